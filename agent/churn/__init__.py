"""The churn agent: who is about to leave, why, what to do about it, and what worked.

Import from the submodules (`agent.churn.agent`, `agent.churn.model`, ...): this package
stays free of heavy imports because `agent.config` embeds `agent.churn.rules`.
"""
