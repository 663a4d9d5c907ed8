"""Scout's domain core: understanding, analyses, planning, acting, memory. No Slack here."""
