"""Support tickets: after some orders (more after returns), a quiet background of account
and billing questions, and a burst from future churners in the weeks before they leave."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.demo_data import world
from agent.demo_data.customers import NO_ORDER, Customers
from agent.demo_data.orders import Orders
from agent.demo_data.sessions import Sessions

DAY = 86_400
_BACKGROUND_TOPICS = np.array([0.10, 0.05, 0.05, 0.30, 0.30, 0.20])
_RESOLVE_DAYS = np.array([2.0, 0.8, 0.3])  # mean days to resolve by contact channel
# Tickets from churners cluster from three weeks before their churn day to ten days after.
CHURN_TICKET_WINDOW = (-21, 10)


@dataclass
class Tickets:
    customer: np.ndarray
    created: np.ndarray  # seconds since the first covered midnight, sorted
    topic: np.ndarray
    contact: np.ndarray
    satisfaction: np.ndarray  # float with NaN for no answer
    resolved_day: np.ndarray  # -1 when unresolved


def make_tickets(
    rng: np.random.Generator, s: Sessions, c: Customers, o: Orders, n_days: int
) -> Tickets:
    """Draw every ticket created within the covered days."""
    n_orders = len(o.session)
    returned = np.bincount(o.line_order, o.returned_quantity > 0, minlength=n_orders) > 0
    has = rng.random(n_orders) < 0.04 + 0.25 * returned
    order_customer = s.customer[o.session]
    order_time = s.day[o.session].astype(np.float64) * DAY + o.second
    t_order = order_time[has] + rng.exponential(2.5 * DAY, int(has.sum()))

    buyers = np.flatnonzero(c.first_order_day != NO_ORDER)
    churners = buyers[np.isfinite(c.churn_day[buyers])]
    per = rng.poisson(np.where(c.cohort[churners], 1.6, 0.5))
    churn_customer = np.repeat(churners, per)
    lo, hi = CHURN_TICKET_WINDOW
    t_churn = (np.repeat(c.churn_day[churners], per) + rng.uniform(lo, hi, per.sum())) * DAY

    per = rng.poisson(0.0003 * n_days, len(buyers))
    back_customer = np.repeat(buyers, per)
    since = np.maximum(c.first_order_day[back_customer], 0)
    t_back = rng.uniform(since, n_days) * DAY

    customer = np.concatenate([order_customer[has], churn_customer, back_customer])
    created = np.concatenate([t_order, t_churn, t_back])
    kind = np.repeat([0, 1, 2], [len(t_order), len(t_churn), len(t_back)])
    keep = (created >= 0) & (created < n_days * DAY)
    customer, created, kind = customer[keep], np.floor(created[keep]), kind[keep]
    order = np.lexsort((customer, created))
    customer, created, kind = customer[order], created[order], kind[order]
    n = len(customer)

    topic = world.draw_codes(rng, n, world.TOPIC_SHARE)
    topic = np.where(kind == 1, world.draw_codes(rng, n, world.CHURNER_TOPIC_SHARE), topic)
    topic = np.where(kind == 2, world.draw_codes(rng, n, _BACKGROUND_TOPICS), topic)
    contact = world.draw_codes(rng, n, world.CONTACT_SHARE)
    resolved_at = created + rng.exponential(_RESOLVE_DAYS[contact] * DAY)
    resolved = (rng.random(n) < 0.93) & (resolved_at < n_days * DAY)
    score = 1 + world.draw_codes(rng, n, world.SATISFACTION)
    score = np.where(kind == 1, 1 + world.draw_codes(rng, n, world.CHURNER_SATISFACTION), score)
    answered = resolved & (rng.random(n) < 0.55)
    return Tickets(
        customer=customer,
        created=created.astype(np.int64),
        topic=topic.astype(np.int8),
        contact=contact,
        satisfaction=np.where(answered, score, np.nan),
        resolved_day=np.where(resolved, (resolved_at // DAY).astype(np.int64), -1),
    )
