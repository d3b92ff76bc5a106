"""Runtime state of the SimPy engine: contacts, sites and follow-up sources, and their codes.

A :class:`Call` is one contact (first call, redial, repeat; voice, chat or email), created
once and read in the event callbacks; a :class:`SiteState` holds one site's queues, idle
agents, chats, email backlog and supervisors. Plain slotted classes: the event loop touches
them millions of times.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from .. import config as C
from ..distributions import Distribution, from_spec
from ..rng import UniformBlocks

# Contact kinds, channels, states and outcomes.
FIRST, REDIAL, REPEAT = 0, 1, 2
VOICE, CHAT, EMAIL = (C.CHANNELS.index(ch) for ch in ("voice", "chat", "email"))
WAITING, ANSWERED, ABANDONED, SUP_WAITING, SUP_SERVED, SUP_ABANDONED = 0, 1, 2, 3, 4, 5
RESOLVED, UNRESOLVED, ESCALATED, SCAM_DETECTED, SCAM_MISSED = 0, 1, 2, 3, 4
OUTCOMES = ("resolved", "unresolved", "escalated", "scam_detected", "scam_missed")
# Agent modes.
OFF, IDLE, BUSY, BREAK, CHATTING = 0, 1, 2, 3, 4
"""BUSY: on one voice call or email; CHATTING: holding one or more chats."""
EPS_S = 1e-9
"""Chats whose remaining work is within this (seconds) of the least end together (processor-sharing round-off)."""
SHIFT_END = -1.0
"""Pending-off marker: leave at the end of the current call."""


class Call:
    """One contact. Plain slots: created once per contact, read in callbacks."""

    __slots__ = (
        "caller", "attempt", "kind", "ctype", "rank", "t_arr", "patience_s", "base_s", "sup_s",
        "u_irate", "u_res", "u_esc", "scam", "u_detect", "u_route",
        "channel", "site", "bucket", "state", "agent", "t_ans", "irate", "outcome", "t_esc", "work", "conc0",
        "u_survey", "u_happy",
    )

    def __init__(
        self, caller: int, attempt: int, kind: int, ctype: int, rank: int, t_arr: float,
        patience_s: float, base_s: float, sup_s: tuple[float, ...], u_irate: float, u_res: float,
        u_esc: float, scam: bool, u_detect: float, u_route: float, channel: int, u_survey: float,
        u_happy: float,
    ) -> None:
        self.caller = caller
        self.attempt = attempt
        self.kind = kind
        self.ctype = ctype
        self.rank = rank
        self.t_arr = t_arr
        self.patience_s = patience_s
        self.base_s = base_s
        self.sup_s = sup_s
        """Supervisor handle time at each site, if escalated there (seconds)."""
        self.u_irate = u_irate
        self.u_res = u_res
        self.u_esc = u_esc
        self.scam = scam
        self.u_detect = u_detect
        self.u_route = u_route
        self.channel = channel
        self.u_survey = u_survey
        """Uniform deciding whether the customer is surveyed and answers."""
        self.u_happy = u_happy
        """Uniform deciding whether a surveyed customer is satisfied."""
        self.state = WAITING
        self.site: SiteState
        self.bucket = 0
        self.agent = -1
        self.t_ans = 0.0
        self.irate = False
        self.outcome = UNRESOLVED
        self.t_esc = 0.0
        self.work = 0.0
        """Chat: work left at the agent's last processor-sharing update (seconds at rate 1)."""
        self.conc0 = 0.0
        """Chat: the agent's concurrency integral when the chat started (chat-seconds)."""


class SiteState:
    """Runtime state of one site: queues, idle agents, supervisors, time integrals."""

    __slots__ = (
        "index", "queues", "n_waiting", "idle", "selector", "line_limit", "resolution_multiplier",
        "sup_count", "sup_on", "sup_busy", "sup_queue", "sup_waiting", "sup_dist", "sup_resolution_p",
        "sup_patience", "queue_t", "n_on", "staff_t", "chat_queue", "n_chat_waiting", "chatting", "emails",
        "email_in_service", "groups",
    )

    def __init__(self, index: int, cfg: C.Site, n_ranks: int, selector: Any) -> None:
        self.index = index
        self.queues: list[deque[Call]] = [deque() for _ in range(n_ranks)]
        self.n_waiting = 0
        self.idle: list[int] = []
        self.selector = selector
        self.line_limit = cfg.line_limit
        self.resolution_multiplier = cfg.resolution_multiplier
        self.sup_count = cfg.supervisors.count
        self.sup_on = 0
        """Supervisors on duty now."""
        self.sup_busy = 0
        self.sup_queue: deque[Call] = deque()
        self.sup_waiting = 0
        """Callers waiting for a supervisor (the queue may also hold callers who hung up)."""
        self.sup_dist = from_spec(cfg.supervisors.handle_time)
        self.sup_resolution_p = cfg.supervisors.resolution_p
        self.sup_patience = cfg.supervisors.patience_multiplier
        self.queue_t = 0.0
        self.n_on = 0
        self.staff_t = 0.0
        self.chat_queue: deque[Call] = deque()
        self.n_chat_waiting = 0
        """Chats waiting (also counted in ``n_waiting``, which the line limit ignores for them)."""
        self.chatting: list[int] = []
        """Agents holding chats, in the order they started chatting."""
        self.emails: deque[Call] = deque()
        """The email backlog, oldest first."""
        self.email_in_service = 0
        self.groups: list[frozenset[int] | None] = [
            None if cfg.skills is None or all(ch in g.channels for g in cfg.skills)
            else frozenset(i for i, g in enumerate(cfg.skills) if ch in g.channels)
            for ch in C.CHANNELS
        ]
        """Per channel index: the skill groups that handle it, None when every agent does."""


class FollowUps:
    """Redials or repeats: decision, delay and the new contact's attributes from one stream.

    The stream's uniforms carry their transforms (:meth:`~simulator.rng.UniformBlocks.next_as`):
    ``0`` the delay, ``1 + type`` the patience of each call type, ``1 + n_types + site`` the
    supervisor handle time at each site.
    """

    def __init__(
        self, p: float, delay: C.DurationSpec, patience: list[Distribution], supervisor: list[Distribution],
        rng: np.random.Generator,
    ) -> None:
        self.p = p
        self.u = UniformBlocks(rng, [from_spec(delay), *patience, *supervisor])
        self.sup0 = 1 + len(patience)
        """Index of the first supervisor-time transform."""
