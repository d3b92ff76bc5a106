"""Runtime state of the SimPy engine: contacts, sites and follow-up sources, and their codes.

A :class:`Call` is one contact (first call, redial, repeat; voice, chat or email), created
once and read in the event callbacks; a :class:`SiteState` holds one site's queues, idle
agents, chats, email backlog and supervisors. Plain slotted classes: the event loop touches
them millions of times.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from .. import config as C
from .. import workforce as W
from ..distributions import from_spec
from ..rng import UniformBlocks, stream
from ..units import HOUR_S

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
        "sup_count", "sup_on", "sup_busy", "sup_queue", "sup_waiting", "sup_resolution_p",
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
    """Redials or repeats: the probability and the stream of decisions, delays and new contacts' attributes."""

    def __init__(self, p: float, u: UniformBlocks, sup0: int) -> None:
        self.p = p
        self.u = u
        self.sup0 = sup0
        """Index of the first supervisor-time transform of ``u``."""


class FlowSetup:
    """The call flow's constants and event-loop streams of one replication, shared by both engines.

    The streams carry their transforms (:class:`~simulator.rng.UniformBlocks`): redials and
    repeats ``0`` the delay, ``1 + type`` the patience of each call type, ``1 + n_types + site``
    the supervisor handle time at each site; chase ``0`` the handle time and ``1`` the patience of
    ``chase_type``, ``2 + site`` the supervisor time.
    """

    def __init__(self, cfg: C.Scenario, seed: int, replication: int) -> None:
        b = cfg.behaviour
        self.learning_factor = W.learning_factor(b)
        self.fatigue_on = b.fatigue.load_per_call > 0
        self.learning_on = self.learning_factor != 1.0
        types = cfg.demand.call_types
        ranks = sorted({t.priority for t in types})
        self.n_ranks = len(ranks)
        self.type_rank = [ranks.index(t.priority) for t in types]
        self.scam_p = [t.scam_p for t in types]
        default_patience = from_spec(cfg.demand.patience)
        self.patience = [default_patience if t.patience is None else from_spec(t.patience) for t in types]
        """Patience distribution per call type (email contacts never abandon, whatever it says)."""
        self.type_channel = [C.CHANNELS.index(t.channel) for t in types]
        self.supervisor = [from_spec(sc.supervisors.handle_time) for sc in cfg.sites]
        """Supervisor handle-time distribution per site."""
        chat, email = cfg.channels.chat, cfg.channels.email
        self.max_chats = chat.max_concurrency
        self.chat_rate = [0.0] + [c / n for n, c in enumerate(chat.capacity[: chat.max_concurrency], 1)]
        """Progress rate of each chat of an agent holding n chats: c(n) / n."""
        self.email_reserve = email.reserve_idle
        self.chase_s = None if email.chase_after_h is None or email.chase_p == 0 else email.chase_after_h * HOUR_S
        self.chase_p = email.chase_p
        voice_types = [i for i, t in enumerate(types) if t.channel == "voice"]
        names = [t.name for t in types]
        self.chase_type = (names.index(email.chase_type) if email.chase_type is not None
                           else voice_types[0] if voice_types else -1)
        sat = cfg.satisfaction
        self.survey_share = sat.survey_share
        self.response_p = sat.response_p
        self.unhappy_response_p = min(1.0, sat.response_p * sat.dissatisfied_response_ratio)
        d = cfg.demand
        sup = self.supervisor
        self.redials = FollowUps(d.redial.p, UniformBlocks(stream(seed, replication, "redials"),
                                                           [from_spec(d.redial.delay), *self.patience, *sup]),
                                 1 + len(types))
        self.repeats = FollowUps(d.repeat.p, UniformBlocks(stream(seed, replication, "repeats"),
                                                           [from_spec(d.repeat.delay), *self.patience, *sup]),
                                 1 + len(types))
        ct = max(self.chase_type, 0)
        self.chase = UniformBlocks(stream(seed, replication, "chase"),
                                   [from_spec(types[ct].handle_time), self.patience[ct], *sup])
        self.surveys = UniformBlocks(stream(seed, replication, "surveys"))
        self.selection = UniformBlocks(stream(seed, replication, "selection"))
