"""The SimPy engine of the intraday call flow.

SimPy's event queue orders everything that happens. Two SimPy processes run the calendar:
``_days`` starts each day (absences, shift plan, the day's pre-drawn callers) and
``_ticks`` samples agents at each interval end. The call flow itself is a handful of event
callbacks rather than a process per call, because in SimPy the cost is in events: a call
costs one arrival event, one service-end event and, only if it has to wait with finite
patience, one patience timer. A call that is answered before its patience runs out leaves a
stale timer that does nothing when it fires.

Flow of a contact (first call, redial or repeat):

1. *Arrival*: the site router picks a site. An idle agent (chosen by the site's selection
   rule) answers at once; otherwise the caller gets a busy signal if the line is full, or
   joins the site's FCFS queue of its priority class.
2. *Patience*: a waiting caller whose patience runs out abandons and may redial.
3. *Answer*: anger, handle time, scam detection, escalation and resolution are decided from
   the caller's pre-drawn uniforms and the agent's proficiency, fatigue and pressure
   (equations in ``docs/model.md``).
4. *Service end*: the agent learns and takes the call's load (fatigue and the day's load);
   the caller is resolved, escalated to a supervisor, or unresolved and may call again. The
   agent then goes on a pending break or off shift, takes the next caller, or becomes idle.
5. *Chat*: an agent holds up to ``max_concurrency`` chats, sharing its effective capacity
   ``c(n)`` among its ``n`` chats (each progresses at ``c(n)/n``: processor sharing with a
   capacity curve). A chat's outcome is decided when it ends, from its time-averaged
   concurrency. Chat customers wait with patience like callers; their service level is on
   the first response (the answer).
6. *Email*: deferred work, never abandoned, kept oldest first and worked one at a time when no
   voice call or chat waits that the agent can take (and more than ``reserve_idle`` agents of
   the site stay idle). The backlog carries over night; an email unanswered after
   ``chase_after_h`` may turn into a phone call.
7. *Satisfaction*: each handled, non-scam contact gets a satisfaction probability
   (:meth:`~simulator.formulas.ContactModel.satisfaction`); a share is surveyed.
8. *Supervisor*: an escalated caller waits in the site's supervisor queue (FCFS) for one of
   the supervisors on duty (opening hours), with ``patience_multiplier`` times its own
   patience; a caller who hangs up there, or whom the supervisor does not resolve, may call
   again.

No I/O here: :meth:`Simulation.run` returns a :class:`~simulator.result.SimulationResult`; the public
:func:`~simulator.spinup.simulate` builds the day-0 workforce (spin-up) and runs it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from itertools import repeat
from typing import Any, cast

import numpy as np
import simpy
from simpy.events import Event, Timeout

from . import config as C
from . import metrics as M
from . import workforce as W
from .costs import book_costs
from .demand import DECISIONS, DayCallers, OpeningCalendar, draw_day
from .distributions import from_spec
from .formulas import ContactModel
from .result import SimulationResult
from .rng import UniformBlocks, stream
from .routing import AGENT_SELECTORS, SITE_ROUTERS
from .units import DAY_S, HOUR_S, MINUTE_S

# Contact kinds, channels, states and outcomes.
FIRST, REDIAL, REPEAT = 0, 1, 2
VOICE, CHAT, EMAIL = (C.CHANNELS.index(ch) for ch in ("voice", "chat", "email"))
WAITING, ANSWERED, ABANDONED, SUP_WAITING, SUP_SERVED, SUP_ABANDONED = 0, 1, 2, 3, 4, 5
RESOLVED, UNRESOLVED, ESCALATED, SCAM_DETECTED, SCAM_MISSED = 0, 1, 2, 3, 4
OUTCOMES = ("resolved", "unresolved", "escalated", "scam_detected", "scam_missed")
# Agent modes.
OFF, IDLE, BUSY, BREAK, CHATTING = 0, 1, 2, 3, 4
"""BUSY: on one voice call or email; CHATTING: holding one or more chats."""
_EPS_S = 1e-9
"""Chats whose remaining work is within this (seconds) of the least end together (processor-sharing round-off)."""
SHIFT_END = -1.0
"""Pending-off marker: leave at the end of the current call."""

_NC = M.N_COUNTERS
_OFFERED, _ANSWERED, _ABANDONED, _BLOCKED = (M.K[k] for k in ("offered", "answered", "abandoned", "blocked"))
_WITHIN, _WAITED, _WAIT_ANS, _WAIT_AB = (
    M.K[k] for k in ("answered_within_sl", "waited", "wait_answered_s", "wait_abandoned_s")
)
_HANDLED, _HANDLE_S, _RESOLVABLE, _RESOLVED = (M.K[k] for k in ("handled", "handle_s", "resolvable", "resolved"))
_ESCALATIONS, _SUP_RESOLVED, _IRATE = (M.K[k] for k in ("escalations", "supervisor_resolved", "irate"))
_SCAMS, _SCAMS_MISSED = M.K["scams"], M.K["scams_missed"]
_BUSY_S, _STAFFED_S, _OVERTIME_S, _QUEUE_S = (M.K[k] for k in ("busy_s", "staffed_s", "overtime_s", "queue_s"))
_FATIGUE_SUM, _FATIGUE_N = M.K["fatigue_sum"], M.K["fatigue_n"]
_SUP_ANSWERED, _SUP_ABANDONED, _SUP_WAIT = (
    M.K[k] for k in ("supervisor_answered", "supervisor_abandoned", "supervisor_wait_s"))
_CHAT_OFFERED, _CHAT_ANSWERED, _CHAT_ABANDONED, _CHAT_WITHIN, _CHAT_WAIT, _CHAT_S, _CHAT_AGENT_S = (
    M.K[k] for k in ("chat_offered", "chat_answered", "chat_abandoned", "chat_within_sl", "chat_wait_s",
                     "chat_s", "chat_agent_s"))
_EMAIL_ARRIVED, _EMAIL_REPLIED, _EMAIL_RESPONSE, _EMAIL_WITHIN, _EMAIL_BACKLOG, _EMAIL_DAYS, _EMAIL_CHASED = (
    M.K[k] for k in ("email_arrived", "email_replied", "email_response_s", "email_within_target",
                     "email_backlog", "email_backlog_days", "email_chased"))
_CSAT_N, _CSAT_SUM, _SURVEYS, _RESPONSES, _SATISFIED = (
    M.K[k] for k in ("csat_n", "csat_sum", "surveys", "survey_responses", "survey_satisfied"))
_LAST_BIN = M.WAIT_BINS - 1
_LAST_RESPONSE_BIN = M.RESPONSE_BINS - 1
_KIND_COUNTER = (M.K["unique_callers"], M.K["redials"], M.K["repeat_calls"])
_U = {name: i for i, name in enumerate(DECISIONS)}

class Call:
    """One contact. Plain slots: created once per contact, read in callbacks."""

    __slots__ = (
        "caller", "attempt", "kind", "ctype", "rank", "t_arr", "patience_s", "base_s", "u_sup",
        "u_irate", "u_res", "u_esc", "scam", "u_detect", "u_route",
        "channel", "site", "bucket", "state", "agent", "t_ans", "irate", "outcome", "t_esc", "work", "conc0",
        "u_survey", "u_happy",
    )

    def __init__(
        self, caller: int, attempt: int, kind: int, ctype: int, rank: int, t_arr: float,
        patience_s: float, base_s: float, u_sup: float, u_irate: float, u_res: float,
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
        self.u_sup = u_sup
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
        self.site: _Site
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


class _Site:
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


class _FollowUps:
    """Redials or repeats: decision, delay and the new contact's attributes from one stream."""

    def __init__(self, p: float, delay: C.DurationSpec, rng: np.random.Generator) -> None:
        self.p = p
        self.delay = from_spec(delay)
        self.u = UniformBlocks(rng)


class Simulation:
    """One replication of a scenario. Build, then :meth:`run` once.

    Args:
        cfg: The validated scenario.
        seed: Root seed of the run.
        replication: Replication index; with ``seed`` it keys every random stream.
        call_log: Keep one row per finished contact (memory grows with calls).
        initial: The day-0 workforce (e.g. a spin-up's :meth:`close_horizon`); by default
            :meth:`~simulator.workforce.AgentState.initial` draws it from the ``agents`` stream.
    """

    def __init__(
        self, cfg: C.Scenario, *, seed: int, replication: int = 0, call_log: bool = False,
        initial: W.AgentState | None = None,
    ) -> None:
        self.cfg = cfg
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.interval_s = cfg.interval_min * MINUTE_S
        self.horizon_s = cfg.days * DAY_S
        self.n_days = math.ceil(cfg.days)
        self.end_s = (self.n_days + 1) * DAY_S  # one extra day to drain the queues
        self.n_sites = len(cfg.sites)
        self.acc = M.Accumulator(int(self.end_s // self.interval_s), self.n_sites)
        self.counts = self.acc.counts
        self.wait_hist = [0] * (self.n_sites * M.WAIT_BINS)
        self.response_hist = [0] * (self.n_sites * M.RESPONSE_BINS)
        self.warmup_s = cfg.warmup_days * DAY_S

        self.agents = (W.AgentState.initial(cfg, stream(seed, replication, "agents"),
                                            stream(seed, replication, "resilience"))
                       if initial is None else initial.copy())
        self.workforce = W.Workforce(cfg)
        self.live = W.LiveAgents(self.agents)
        n = len(self.agents)
        self.mode = [OFF] * n
        self.pending = [0.0] * n
        self.pending_rest = [True] * n
        self.shift_end = np.zeros(n)
        self.skill: list[int] = self.agents.skill.tolist()
        self.chats: list[list[Call]] = [[] for _ in range(n)]
        """Chats each agent holds."""
        self.chat_t = [0.0] * n
        """Time of each agent's last processor-sharing update (seconds)."""
        self.chat_int = [0.0] * n
        """Each agent's concurrency integral: chat-seconds held up to ``chat_t``."""
        self.chat_ver = [0] * n
        """Version of each agent's pending chat-end timer; a newer one makes older timers stale."""
        self.chat_since = [0.0] * n
        """When each agent started holding chats (seconds)."""
        self.learning_factor = W.learning_factor(cfg.behaviour)
        b = cfg.behaviour
        self.recovery_tau_s = b.fatigue.recovery_tau_s
        self.rest_tau_s = b.fatigue.rest_tau_s or b.fatigue.recovery_tau_s
        self.fatigue_on = b.fatigue.load_per_call > 0
        self.learning_on = self.learning_factor != 1.0
        self.contact = ContactModel(cfg)
        self.sl_threshold_s = cfg.sl_threshold_s

        types = cfg.demand.call_types
        ranks = sorted({t.priority for t in types})
        self.type_rank = [ranks.index(t.priority) for t in types]
        self.scam_p = [t.scam_p for t in types]
        default_patience = from_spec(cfg.demand.patience)
        self.patience = [default_patience if t.patience is None else from_spec(t.patience) for t in types]
        """Patience distribution per call type (email contacts never abandon, whatever it says)."""
        self.type_channel = [C.CHANNELS.index(t.channel) for t in types]
        chat, email = cfg.channels.chat, cfg.channels.email
        self.max_chats = chat.max_concurrency
        self.chat_rate = [0.0] + [c / n for n, c in enumerate(chat.capacity[: chat.max_concurrency], 1)]
        """Progress rate of each chat of an agent holding n chats: c(n) / n."""
        self.chat_sl_s = chat.sl_threshold_s
        self.email_target_s = cfg.channel_targets_s["email"]
        self.email_reserve = email.reserve_idle
        self.chase_s = None if email.chase_after_h is None or email.chase_p == 0 else email.chase_after_h * HOUR_S
        self.chase_p = email.chase_p
        voice_types = [i for i, t in enumerate(types) if t.channel == "voice"]
        names = [t.name for t in types]
        self.chase_type = (names.index(email.chase_type) if email.chase_type is not None
                           else voice_types[0] if voice_types else -1)
        self.chase_handle = from_spec(types[self.chase_type].handle_time) if self.chase_type >= 0 else None
        self.chase = UniformBlocks(stream(seed, replication, "chase"))
        self.survey_share = cfg.satisfaction.survey_share
        self.response_p = cfg.satisfaction.response_p
        self.unhappy_response_p = min(1.0, cfg.satisfaction.response_p * cfg.satisfaction.dissatisfied_response_ratio)
        self.surveys = UniformBlocks(stream(seed, replication, "surveys"))
        self.email_on = "email" in cfg.channels_used

        selection = UniformBlocks(stream(seed, replication, "selection"))
        self.sites = [
            _Site(i, sc, len(ranks), AGENT_SELECTORS[sc.agent_selection](self.live, cfg.behaviour, selection))
            for i, sc in enumerate(cfg.sites)
        ]
        self.router = SITE_ROUTERS[cfg.routing.policy](cfg)
        d = cfg.demand
        self.redials = _FollowUps(d.redial.p, d.redial.delay, stream(seed, replication, "redials"))
        self.repeats = _FollowUps(d.repeat.p, d.repeat.delay, stream(seed, replication, "repeats"))
        self.calendar = OpeningCalendar(cfg, self.n_days)
        if self.calendar.always_open:
            for site in self.sites:
                site.sup_on = site.sup_count
        self.next_caller = 0
        self.log: list[tuple[Any, ...]] | None = [] if call_log else None
        self._day_calls: list[Call] = []
        self._day_t: list[float] = []
        self._day_i = 0
        self.day = -1
        """The last day opened."""

    # ------------------------------------------------------------------ running

    def run(self, *, drain: bool = True) -> SimulationResult:
        """Simulate the horizon, drain the queues (at most one more day) and collect.

        Args:
            drain: Serve the callers still in the system at the horizon. Without draining,
                the horizon's midnight is not processed, so :meth:`close_horizon` can close
                the last day (a spin-up).
        """
        env = self.env
        env.process(self._days())
        env.process(self._ticks())
        env.run(until=self.horizon_s)
        t = self.horizon_s
        while drain and t < self.end_s and self._calls_in_system():
            t = min(t + 60.0, self.end_s)
            env.run(until=t)
        for site in self.sites:
            self._queue_change(site, 0)
            self._staff_change(site, 0)
        self.live.store(self.agents)
        counts = self.acc.table()
        W.book_new_hire_attrition(counts, self.agents, self.cfg.days, self.interval_s)
        book_costs(counts, self.cfg)
        return SimulationResult(
            cfg=self.cfg,
            seed=self.seed,
            replication=self.replication,
            counts=counts,
            wait_hist=np.asarray(self.wait_hist, dtype=np.int64).reshape(self.n_sites, M.WAIT_BINS),
            response_hist=np.asarray(self.response_hist, dtype=np.int64).reshape(self.n_sites, M.RESPONSE_BINS),
            waiting_at_end=[s.n_waiting for s in self.sites],
            in_service_at_end=[
                int(busy) - site.email_in_service + sum(len(self.chats[a]) for a in site.chatting)
                for busy, site in zip(np.bincount(self.agents.site[np.asarray(self.mode, dtype=int) == BUSY],
                                                  minlength=self.n_sites).tolist(), self.sites, strict=True)
            ],
            emails_at_end=[len(s.emails) for s in self.sites],
            emails_in_service_at_end=[s.email_in_service for s in self.sites],
            end_s=float(env.now),
            call_log=self.log,
            agents=self.agents,
        )

    def close_horizon(self) -> W.AgentState:
        """Close the last day at the horizon's midnight and return the agent state (after :meth:`run`).

        The state is the workforce as the day after the horizon would open it (burnout, KPI
        reviews, leavers and vacancies of the last day applied), with the same random stream
        that midnight would use: a spin-up's end state for another run's day 0.

        Raises:
            RuntimeError: If the run drained into the horizon's midnight, or has not run.
        """
        if self.day != self.n_days - 1 or self.env.now < self.horizon_s:
            raise RuntimeError("close_horizon() needs a finished run(drain=False)")
        agents = self.live.store(self.agents)
        rng = stream(self.seed, self.replication, "agents", self.n_days)
        self.workforce.close_day(agents, self.n_days, rng.random(len(agents)),
                                 stream(self.seed, self.replication, "resilience", self.n_days),
                                 self.workforce.new_counters())
        self.day = self.n_days
        return agents

    def _calls_in_system(self) -> bool:
        """Whether a voice call or chat waits or is served, an email is being answered, or a supervisor is busy.

        The email backlog is not drained: it waits for the next shift that will not come.
        """
        return (BUSY in self.mode or CHATTING in self.mode
                or any(s.n_waiting or s.sup_busy or s.sup_waiting for s in self.sites))

    def _at(self, delay: float, callback: Any, value: Any) -> None:
        ev = Timeout(self.env, delay, value)
        ev.callbacks.append(callback)

    def _days(self) -> Generator[Event, Any, None]:
        cfg, env = self.cfg, self.env
        for day in range(self.n_days + 1):
            # Created first so that, at the next midnight, planning precedes the events
            # this day leaves for that instant (shift ends meeting next shift starts).
            wake = env.timeout(DAY_S)
            self.day = day
            agents = self.live.store(self.agents)
            day_counts = self.workforce.start_day(agents, day, stream(self.seed, self.replication, "agents", day),
                                                  stream(self.seed, self.replication, "resilience", day))
            self._grow(len(agents))
            plan = W.plan_day(agents, cfg, day)
            agents.worked[:] = False
            agents.worked[plan.agent] = True
            self._schedule_shifts(plan)
            self._schedule_supervisors(day, day_counts)
            self._book_day(day, day_counts)
            if self.email_on and day > 0:
                self._book_backlog(day)
            self.live.load(agents)
            if day < self.n_days:
                self._load_day(draw_day(cfg, self.seed, self.replication, day, self.horizon_s))
            yield wake

    def _grow(self, n: int) -> None:
        """Extend the per-agent engine lists to ``n`` agents (new hires start off shift)."""
        extra = n - len(self.mode)
        if extra > 0:
            self.mode += [OFF] * extra
            self.pending += [0.0] * extra
            self.pending_rest += [True] * extra
            self.shift_end = np.concatenate([self.shift_end, np.zeros(extra)])
            self.skill += self.agents.skill[-extra:].tolist()
            self.chats += [[] for _ in range(extra)]
            self.chat_t += [0.0] * extra
            self.chat_int += [0.0] * extra
            self.chat_ver += [0] * extra
            self.chat_since += [0.0] * extra

    def _book_day(self, day: int, day_counts: dict[str, np.ndarray]) -> None:
        """Add the workforce counters of ``day`` to the first interval of the day."""
        i = round(day * DAY_S / self.interval_s)
        if i >= self.acc.n_intervals:
            return
        c, ns = self.counts, self.n_sites
        for name, values in day_counts.items():
            k = M.K[name]
            for s, v in enumerate(values.tolist()):
                c[(i * ns + s) * _NC + k] += v

    def _book_backlog(self, day: int) -> None:
        """Add each site's email backlog at the midnight starting ``day`` to the last interval of ``day - 1``."""
        i = round(day * DAY_S / self.interval_s) - 1
        if i >= self.acc.n_intervals:
            return
        c, ns = self.counts, self.n_sites
        for site in self.sites:
            b = (i * ns + site.index) * _NC
            c[b + _EMAIL_BACKLOG] += len(site.emails)
            c[b + _EMAIL_DAYS] += 1

    def _schedule_supervisors(self, day: int, day_counts: dict[str, np.ndarray]) -> None:
        """Put each site's supervisors on duty for the day's opening hours; add their paid seconds."""
        if self.calendar.always_open:
            paid = DAY_S
        else:
            hours = self.calendar.day_open[day]
            if hours is None:
                return
            now = self.env.now
            for site in self.sites:
                if site.sup_count:
                    self._at(hours[0] - now, self._on_supervisor_duty, (site, site.sup_count))
                    self._at(hours[1] - now, self._on_supervisor_duty, (site, 0))
            paid = hours[1] - hours[0]
        day_counts["supervisor_paid_s"] = np.array([site.sup_count * paid for site in self.sites])

    def _ticks(self) -> Generator[Event, Any, None]:
        tau = self.cfg.behaviour.fatigue.recovery_tau_s
        c, ns = self.counts, self.n_sites
        i = 0
        while True:
            yield self.env.timeout(self.interval_s)
            site_of = self.agents.site
            mode = np.asarray(self.mode)
            working = (mode == BUSY) | (mode == CHATTING)
            on = (mode == IDLE) | working
            f = W.fatigue_now(np.asarray(self.live.fatigue), np.asarray(self.live.fatigue_t),
                              self.env.now, tau, working)
            sums = np.bincount(site_of[on], weights=f[on], minlength=ns)
            ns_on = np.bincount(site_of[on], minlength=ns)
            for s in range(ns):
                b = (i * ns + s) * _NC
                c[b + _FATIGUE_SUM] += float(sums[s])
                c[b + _FATIGUE_N] += float(ns_on[s])
            i += 1

    def _schedule_shifts(self, plan: W.DayPlan) -> None:
        now = self.env.now
        # A shift starting exactly when the agent's current one ends continues it.
        contiguous = plan.start_s == self.shift_end[plan.agent]
        self.shift_end[plan.agent[contiguous]] = plan.end_s[contiguous]
        for a, start, end, b_start, b_len, b_rest in zip(
            plan.agent.tolist(), plan.start_s.tolist(), plan.end_s.tolist(),
            plan.break_start_s.tolist(), plan.break_length_s.tolist(), plan.break_rest.tolist(), strict=True,
        ):
            self._at(start - now, self._on_shift_start, (a, end))
            self._at(end - now, self._on_shift_end, (a, end))
            for bs, bl, rest in zip(b_start, b_len, b_rest, strict=True):
                if bs == bs:  # not NaN
                    self._at(bs - now, self._on_break, (a, bl, rest))

    def _load_day(self, day: DayCallers) -> None:
        n = len(day)
        if n == 0:
            return
        is_scam = (day.u[_U["scam"]] < np.asarray(self.scam_p)[day.call_type]).tolist()
        first = self.next_caller
        self.next_caller += n
        u = day.u
        self._day_calls = list(map(
            Call, range(first, first + n), repeat(0), repeat(FIRST), day.call_type.tolist(),
            np.asarray(self.type_rank)[day.call_type].tolist(), day.t_s.tolist(), day.patience_s.tolist(),
            day.handle_s.tolist(), day.u_supervisor.tolist(), u[_U["irate"]].tolist(), u[_U["resolve"]].tolist(),
            u[_U["escalate"]].tolist(), is_scam, u[_U["detect"]].tolist(), u[_U["route"]].tolist(),
            np.asarray(self.type_channel)[day.call_type].tolist(), day.u_survey[0].tolist(), day.u_survey[1].tolist(),
        ))
        self._day_t = day.t_s.tolist()
        self._day_i = 0
        self._at(self._day_t[0] - self.env.now, self._on_base_arrival, None)

    # ------------------------------------------------------------------ contacts

    def _on_base_arrival(self, ev: Event) -> None:
        i = self._day_i
        t = self._day_t
        self._day_i = i + 1
        if i + 1 < len(t):
            Timeout(self.env, t[i + 1] - t[i]).callbacks.append(self._on_base_arrival)
        self._offer(self._day_calls[i])

    def _on_follow_up(self, ev: Event) -> None:
        self._offer(cast(Call, ev.value))

    def _offer(self, call: Call) -> None:
        now = self.env.now
        call.t_arr = now  # the event time: chained delays may differ from the drawn time by an ulp
        site = self.sites[self.router.route(call.u_route, self.sites)]
        call.site = site
        b = (int(now // self.interval_s) * self.n_sites + site.index) * _NC
        call.bucket = b
        c = self.counts
        ch = call.channel
        if ch == EMAIL:
            self._offer_email(call, site, now)
            return
        c[b + _OFFERED] += 1
        c[b + _KIND_COUNTER[call.kind]] += 1
        if ch == CHAT:
            c[b + _CHAT_OFFERED] += 1
            a = self._chat_agent(site, now)
            if a >= 0:
                self._start_chat(call, site, a, now)
                return
            site.n_chat_waiting += 1
            self._queue_change(site, 1)
            site.chat_queue.append(call)
        else:
            a = self._pick_idle(site, VOICE, now)
            if a >= 0:
                self._answer(call, site, a, now)
                return
            if site.line_limit is not None and site.n_waiting - site.n_chat_waiting >= site.line_limit:
                c[b + _BLOCKED] += 1
                if self.log is not None:
                    self._log(call, 0.0, 0.0, "blocked")
                self._follow_up(call, self.redials, REDIAL)
                return
            self._queue_change(site, 1)
            site.queues[call.rank].append(call)
        if call.patience_s != math.inf:
            Timeout(self.env, call.patience_s, call).callbacks.append(self._on_patience)

    def _offer_email(self, call: Call, site: _Site, now: float) -> None:
        """An email joins the backlog, or goes to an idle agent if more than the reserve stay idle."""
        self.counts[call.bucket + _EMAIL_ARRIVED] += 1
        if len(site.idle) > self.email_reserve:
            a = self._pick_idle(site, EMAIL, now)
            if a >= 0:
                self._answer(call, site, a, now)
                return
        site.emails.append(call)
        if self.chase_s is not None:
            self._at(self.chase_s, self._on_chase, call)

    def _on_chase(self, ev: Event) -> None:
        """An email still unanswered: the customer may phone (a voice contact of ``chase_type``)."""
        email = cast(Call, ev.value)
        u = self.chase
        if email.state != WAITING or u.next() >= self.chase_p:
            return
        assert self.chase_handle is not None
        now = self.env.now
        t = self.calendar.next_open(now)
        ct = self.chase_type
        call = Call(email.caller, email.attempt + 1, REPEAT, ct, self.type_rank[ct], t,
                    float(self.patience[ct].ppf(u.next())), float(self.chase_handle.ppf(u.next())), u.next(),
                    u.next(), u.next(), u.next(), u.next() < self.scam_p[ct], u.next(), u.next(), VOICE,
                    *self._survey_uniforms())
        if t < self.horizon_s:
            self.counts[email.bucket + _EMAIL_CHASED] += 1
            self._at(t - now, self._on_follow_up, call)

    def _survey_uniforms(self) -> tuple[float, float]:
        """Survey uniforms of a follow-up contact, from the run's ``surveys`` stream (1, 1 without surveys).

        Follow-ups are created in the same order in a shorter and a longer run up to the shorter
        horizon, so a shorter run stays an exact prefix of a longer one.
        """
        if not self.survey_share:
            return 1.0, 1.0
        u = self.surveys
        return u.next(), u.next()

    def _pick_idle(self, site: _Site, channel: int, now: float) -> int:
        """Take an idle agent of ``site`` who handles ``channel`` (the site's selection rule), or -1."""
        idle = site.idle
        if not idle:
            return -1
        groups = site.groups[channel]
        if groups is None:
            return idle.pop(site.selector.pick(idle, now))
        skill = self.skill
        able = [a for a in idle if skill[a] in groups]
        if not able:
            return -1
        a = able[site.selector.pick(able, now)]
        idle.remove(a)
        return a

    def _on_patience(self, ev: Event) -> None:
        call = cast(Call, ev.value)
        if call.state != WAITING:
            return
        call.state = ABANDONED
        site = call.site
        self._queue_change(site, -1)
        c, b = self.counts, call.bucket
        c[b + _ABANDONED] += 1
        c[b + _WAIT_AB] += call.patience_s
        if call.patience_s > 0:
            c[b + _WAITED] += 1
        if call.channel == CHAT:
            site.n_chat_waiting -= 1
            c[b + _CHAT_ABANDONED] += 1
        if self.log is not None:
            self._log(call, call.patience_s, 0.0, "abandoned")
        self._follow_up(call, self.redials, REDIAL)

    def _count_answer(self, call: Call, site: _Site, now: float) -> float:
        """Book the answer of a voice call or chat (first response); return its wait (seconds)."""
        wait = now - call.t_arr
        call.state = ANSWERED
        c, b = self.counts, call.bucket
        c[b + _ANSWERED] += 1
        if wait > 0:
            c[b + _WAITED] += 1
            c[b + _WAIT_ANS] += wait
            k = min(int(wait / M.WAIT_BIN_S) + 1, _LAST_BIN)
        else:
            k = 0
        if call.channel == CHAT:
            c[b + _CHAT_ANSWERED] += 1
            c[b + _CHAT_WAIT] += wait
            if wait <= self.chat_sl_s:
                c[b + _WITHIN] += 1
                c[b + _CHAT_WITHIN] += 1
        elif wait <= self.sl_threshold_s:
            c[b + _WITHIN] += 1
        if self.warmup_s <= call.t_arr < self.horizon_s:
            self.wait_hist[site.index * M.WAIT_BINS + k] += 1
        return wait

    def _answer(self, call: Call, site: _Site, a: int, now: float) -> None:
        """Agent ``a`` takes a voice call or an email: decide its handle time and outcome."""
        email = call.channel == EMAIL
        if email:
            call.state = ANSWERED
            site.email_in_service += 1
            wait = 0.0  # an email's customer does not grow angry on hold; anger is the type's irate_p
        else:
            wait = self._count_answer(call, site, now)
        live = self.live
        p = live.proficiency[a]
        self._recover(a, now, self.recovery_tau_s)
        f = live.fatigue[a]
        r = live.pressure[a]
        eq = self.contact
        irate = call.u_irate < eq.irate_probability(call.ctype, wait)
        if irate and not email:
            self.counts[call.bucket + _IRATE] += 1
        ht = eq.handle_time_s(call.base_s, p, f, r, irate)
        if call.scam:
            ht *= self._decide(call, site, p, f, r, irate, 1.0)
        else:
            self._decide(call, site, p, f, r, irate, 1.0)
        call.agent = a
        call.t_ans = now
        self.mode[a] = BUSY
        ev = Timeout(self.env, ht, call)
        ev.callbacks.append(self._on_service_end)

    def _decide(self, call: Call, site: _Site, p: float, f: float, r: float, irate: bool, fcr_factor: float) -> float:
        """Decide scam detection, escalation or resolution (``irate``: the anger); return the handle-time factor."""
        eq = self.contact
        ct = call.ctype
        call.irate = irate
        factor = 1.0
        if call.scam:
            if call.u_detect < eq.detection_probability(p):
                call.outcome = SCAM_DETECTED
                factor = eq.scam_fraction
            else:
                call.outcome = SCAM_MISSED
        elif call.u_esc < eq.escalation_probability(ct, p, irate):
            call.outcome = ESCALATED
        elif call.u_res < eq.resolution_probability(ct, site.resolution_multiplier, p, f, r) * fcr_factor:
            call.outcome = RESOLVED
        else:
            call.outcome = UNRESOLVED
        return factor

    def _on_service_end(self, ev: Event) -> None:
        call = cast(Call, ev.value)
        now = self.env.now
        a, site = call.agent, call.site
        handle = now - call.t_ans
        i = int(now // self.interval_s)
        c = self.counts
        if int(call.t_ans // self.interval_s) == i:
            c[(i * self.n_sites + site.index) * _NC + _BUSY_S] += handle
        else:
            self._accrue(_BUSY_S, site.index, call.t_ans, now, 1.0)
        if call.channel == EMAIL:
            site.email_in_service -= 1
            self._count_reply(call, site, now)
        self._finish(call, a, site, now, handle, 1.0)
        self._release(a, site, now)

    def _count_reply(self, call: Call, site: _Site, now: float) -> None:
        """Book a replied email's response time (arrival to reply)."""
        response = now - call.t_arr
        c, b = self.counts, call.bucket
        c[b + _EMAIL_REPLIED] += 1
        c[b + _EMAIL_RESPONSE] += response
        if response <= self.email_target_s:
            c[b + _EMAIL_WITHIN] += 1
        if self.warmup_s <= call.t_arr < self.horizon_s:
            k = min(int(response / M.RESPONSE_BIN_S) + 1, _LAST_RESPONSE_BIN) if response > 0 else 0
            self.response_hist[site.index * M.RESPONSE_BINS + k] += 1

    def _finish(self, call: Call, a: int, site: _Site, now: float, handle: float, load_factor: float) -> None:
        """A contact's service by agent ``a`` ended: learning, load, outcome counters, satisfaction, follow-ups."""
        c, b = self.counts, call.bucket
        c[b + _HANDLED] += 1
        c[b + _HANDLE_S] += handle
        live = self.live
        p = live.proficiency[a]
        outcome = call.outcome
        if self.fatigue_on:
            load = self.contact.load(p, call.irate, outcome == UNRESOLVED or outcome == ESCALATED,
                                     live.frailty[a]) * load_factor
            live.fatigue[a] += load
            live.fatigue_t[a] = now
            live.day_load[a] += load
        if self.learning_on:
            live.proficiency[a] = W.learn(p, self.learning_factor)
        live.calls_handled[a] += 1
        if call.channel == VOICE:  # the AHT target is a target for calls
            live.kpi_handle_s[a] += handle
            live.kpi_calls[a] += 1
        survey = -1
        csat = math.nan
        if outcome >= SCAM_DETECTED:
            c[b + _SCAMS] += 1
            if outcome == SCAM_MISSED:
                c[b + _SCAMS_MISSED] += 1
        else:
            c[b + _RESOLVABLE] += 1
            wait = now - call.t_arr if call.channel == EMAIL else call.t_ans - call.t_arr
            csat = self.contact.satisfaction(call.channel, call.attempt, wait, outcome == RESOLVED,
                                             outcome == ESCALATED, call.irate, p, live.pressure[a])
            survey = self._score(call, csat, a)
            if outcome == RESOLVED:
                c[b + _RESOLVED] += 1
            elif outcome == ESCALATED:
                c[b + _ESCALATIONS] += 1
                self._escalate(call, site)
            else:
                self._follow_up(call, self.repeats, REPEAT)
        if self.log is not None:
            self._log(call, call.t_ans - call.t_arr, handle, OUTCOMES[outcome], csat, survey)

    def _score(self, call: Call, csat: float, a: int) -> int:
        """Book ``call``'s satisfaction ``csat`` for agent ``a`` and maybe survey it.

        Surveyed if ``u_survey < survey_share``; satisfied if ``u_happy < csat``; answers if
        ``u_survey < survey_share x response_p`` (``x dissatisfied_response_ratio``, capped at 1,
        if dissatisfied), so one uniform decides the survey and the answer.
        Returns the survey answer: 1 satisfied, 0 dissatisfied, -1 no response (or no survey).
        """
        c, live, b = self.counts, self.live, call.bucket
        c[b + _CSAT_N] += 1
        c[b + _CSAT_SUM] += csat
        live.csat_sum[a] += csat
        live.csat_n[a] += 1
        share = self.survey_share
        if call.u_survey >= share:
            return -1
        c[b + _SURVEYS] += 1
        satisfied = call.u_happy < csat
        if call.u_survey >= share * (self.response_p if satisfied else self.unhappy_response_p):
            return -1
        c[b + _RESPONSES] += 1
        live.survey_n[a] += 1
        if satisfied:
            c[b + _SATISFIED] += 1
            live.survey_pos[a] += 1
        return int(satisfied)

    # ------------------------------------------------------------------ chat

    def _chat_agent(self, site: _Site, now: float) -> int:
        """An agent to take a new chat: an idle chat agent, else the chatting agent with the fewest chats; or -1."""
        a = self._pick_idle(site, CHAT, now)
        if a >= 0:
            return a
        best, fewest = -1, self.max_chats
        chats, pending = self.chats, self.pending
        for a in site.chatting:
            n = len(chats[a])
            if n < fewest and not pending[a]:
                best, fewest = a, n
        return best

    def _start_chat(self, call: Call, site: _Site, a: int, now: float) -> None:
        """Agent ``a`` (idle or chatting) takes chat ``call``: first response now, work at rate c(n)/n."""
        wait = self._count_answer(call, site, now)
        live = self.live
        if self.mode[a] != CHATTING:
            self._recover(a, now, self.recovery_tau_s)
            self.mode[a] = CHATTING
            site.chatting.append(a)
            self.chat_since[a] = now
            self.chat_t[a] = now
        else:
            self._chat_progress(a, now)
        call.irate = call.u_irate < self.contact.irate_probability(call.ctype, wait)
        if call.irate:
            self.counts[call.bucket + _IRATE] += 1
        call.work = self.contact.handle_time_s(call.base_s, live.proficiency[a], live.fatigue[a], live.pressure[a],
                                               call.irate)
        call.conc0 = self.chat_int[a]
        call.agent = a
        call.t_ans = now
        self.chats[a].append(call)
        self._chat_schedule(a, now)

    def _chat_progress(self, a: int, now: float) -> None:
        """Advance agent ``a``'s chats to ``now`` at the rate of its current concurrency."""
        chats = self.chats[a]
        dt = now - self.chat_t[a]
        if dt > 0:
            n = len(chats)
            done = dt * self.chat_rate[n]
            for call in chats:
                call.work -= done
            self.chat_int[a] += n * dt
        self.chat_t[a] = now

    def _chat_schedule(self, a: int, now: float) -> None:
        """(Re)schedule agent ``a``'s next chat end; older timers become stale."""
        chats = self.chats[a]
        self.chat_ver[a] += 1
        if chats:
            left = min(call.work for call in chats)
            self._at(max(left, 0.0) / self.chat_rate[len(chats)], self._on_chat_end, (a, self.chat_ver[a]))

    def _on_chat_end(self, ev: Event) -> None:
        a, ver = cast("tuple[int, int]", ev.value)
        if ver != self.chat_ver[a]:
            return
        now = self.env.now
        self._chat_progress(a, now)
        site = self.sites[self.agents.site[a]]
        chats = self.chats[a]
        # This timer was set for the chat with the least work left: end it, and any within _EPS_S
        # of it, even when rounding at a large clock leaves it a few ulps above 0 (the delay to
        # its end would then round to no time at all, and the timer would fire forever).
        done = min(call.work for call in chats) + _EPS_S
        ended = [call for call in chats if call.work <= done]
        self.chats[a] = chats = [call for call in chats if call.work > done]
        live = self.live
        for call in ended:
            handle = now - call.t_ans
            m = (self.chat_int[a] - call.conc0) / handle if handle > 0 else 1.0
            self.counts[call.bucket + _CHAT_S] += handle
            if call.scam:
                self._decide(call, site, live.proficiency[a], live.fatigue[a], live.pressure[a], call.irate, 1.0)
            else:
                self._decide(call, site, live.proficiency[a], live.fatigue[a], live.pressure[a], call.irate,
                             self.contact.chat_resolution_factor(m))
            self._finish(call, a, site, now, handle, self.contact.chat_load_factor(m))
        if chats:
            if not self.pending[a]:
                self._take_chats(a, site, now)
            self._chat_schedule(a, now)
            return
        self.chat_ver[a] += 1
        site.chatting.remove(a)
        self._accrue(_BUSY_S, site.index, self.chat_since[a], now, 1.0)
        self._accrue(_CHAT_AGENT_S, site.index, self.chat_since[a], now, 1.0)
        self.mode[a] = BUSY  # finishing work, as after a call: _release decides what comes next
        self._release(a, site, now)

    def _take_chats(self, a: int, site: _Site, now: float) -> bool:
        """Agent ``a`` takes waiting chats, oldest first, up to its concurrency limit; whether it took any."""
        groups = site.groups[CHAT]
        if groups is not None and self.skill[a] not in groups:
            return False
        queue, took = site.chat_queue, False
        while queue and len(self.chats[a]) < self.max_chats:
            call = queue.popleft()
            if call.state == WAITING:
                site.n_chat_waiting -= 1
                self._queue_change(site, -1)
                self._start_chat(call, site, a, now)
                took = True
        return took

    def _escalate(self, call: Call, site: _Site) -> None:
        """Send an escalated caller to a supervisor on duty, or to the supervisor queue with its patience."""
        if site.sup_count == 0:
            self._follow_up(call, self.repeats, REPEAT)
            return
        now = self.env.now
        call.t_esc = now
        if site.sup_busy < site.sup_on:
            self._supervise(call, site, now)
            return
        call.state = SUP_WAITING
        site.sup_queue.append(call)
        site.sup_waiting += 1
        patience = call.patience_s * site.sup_patience
        if patience != math.inf:
            Timeout(self.env, patience, call).callbacks.append(self._on_supervisor_patience)

    def _supervise(self, call: Call, site: _Site, now: float) -> None:
        call.state = SUP_SERVED
        site.sup_busy += 1
        c, b = self.counts, call.bucket
        c[b + _SUP_ANSWERED] += 1
        c[b + _SUP_WAIT] += now - call.t_esc
        self._at(float(site.sup_dist.ppf(call.u_sup)), self._on_supervisor_end, call)

    def _next_escalation(self, site: _Site) -> None:
        """Supervisors on duty and free take waiting escalated callers, first come first served."""
        queue, now = site.sup_queue, self.env.now
        while queue and site.sup_busy < site.sup_on:
            call = queue.popleft()
            if call.state == SUP_WAITING:
                site.sup_waiting -= 1
                self._supervise(call, site, now)

    def _on_supervisor_patience(self, ev: Event) -> None:
        call = cast(Call, ev.value)
        if call.state != SUP_WAITING:
            return
        call.state = SUP_ABANDONED
        site = call.site
        site.sup_waiting -= 1
        c, b = self.counts, call.bucket
        c[b + _SUP_ABANDONED] += 1
        c[b + _SUP_WAIT] += self.env.now - call.t_esc
        self._follow_up(call, self.repeats, REPEAT)

    def _on_supervisor_end(self, ev: Event) -> None:
        call = cast(Call, ev.value)
        site = call.site
        if call.u_res < site.sup_resolution_p:
            self.counts[call.bucket + _SUP_RESOLVED] += 1
        else:
            self._follow_up(call, self.repeats, REPEAT)
        site.sup_busy -= 1
        self._next_escalation(site)

    def _on_supervisor_duty(self, ev: Event) -> None:
        site, n_on = cast("tuple[_Site, int]", ev.value)
        site.sup_on = n_on
        self._next_escalation(site)

    def _follow_up(self, call: Call, source: _FollowUps, kind: int) -> None:
        """Maybe schedule a redial or repeat of ``call``'s caller."""
        if source.p == 0.0:
            return
        u = source.u
        if u.next() >= source.p:
            return
        now = self.env.now
        t = self.calendar.next_open(now + float(source.delay.ppf(u.next())))
        # Draw every attribute before the horizon check, so a longer horizon consumes the
        # stream identically and a shorter run is an exact prefix of a longer one.
        new = Call(call.caller, call.attempt + 1, kind, call.ctype, call.rank, t,
                   float(self.patience[call.ctype].ppf(u.next())), call.base_s, u.next(), u.next(), u.next(),
                   u.next(), call.scam, u.next(), u.next(), call.channel, *self._survey_uniforms())
        if call.channel == EMAIL:
            new.patience_s = math.inf
        if t < self.horizon_s:
            self._at(t - now, self._on_follow_up, new)

    # ------------------------------------------------------------------ agents

    def _release(self, a: int, site: _Site, now: float) -> None:
        """Agent ``a`` finished a call: pending break or shift end, else the next caller."""
        pending = self.pending[a]
        if pending:
            self.pending[a] = 0.0
            self._staff_change(site, -1)
            if pending == SHIFT_END:
                self.mode[a] = OFF
                self._accrue(_OVERTIME_S, site.index, float(self.shift_end[a]), now, 1.0)
            else:
                self.mode[a] = BREAK
                self._at(pending, self._on_break_end, (a, self.pending_rest[a]))
            return
        self._available(a, site, now)

    def _available(self, a: int, site: _Site, now: float) -> None:
        """Agent ``a`` is free: the oldest waiting voice call of the best priority, else chats, else idle.

        An idle agent lets the site's email backlog be worked (:meth:`_serve_emails`).
        """
        voice = site.groups[VOICE]
        if voice is None or self.skill[a] in voice:
            for queue in site.queues:
                while queue:
                    call = queue.popleft()
                    if call.state == WAITING:
                        self._queue_change(site, -1)
                        self._answer(call, site, a, now)
                        return
        if site.n_chat_waiting and self._take_chats(a, site, now):
            return
        self.mode[a] = IDLE
        site.idle.append(a)
        if site.emails:
            self._serve_emails(site, now)

    def _serve_emails(self, site: _Site, now: float) -> None:
        """Idle email agents take the oldest emails while more than ``reserve_idle`` agents stay idle."""
        emails = site.emails
        while emails and len(site.idle) > self.email_reserve:
            a = self._pick_idle(site, EMAIL, now)
            if a < 0:
                return
            self._answer(emails.popleft(), site, a, now)

    def _on_shift_start(self, ev: Event) -> None:
        a, end = cast("tuple[int, float]", ev.value)
        if self.shift_end[a] < end:
            self.shift_end[a] = end
        mode = self.mode[a]
        if mode == OFF:
            site = self.sites[self.agents.site[a]]
            now = self.env.now
            self._recover(a, now, self.rest_tau_s)
            self._staff_change(site, 1)
            self._available(a, site, now)
        elif (mode == BUSY or mode == CHATTING) and self.pending[a] == SHIFT_END:
            self.pending[a] = 0.0

    def _recover(self, a: int, now: float, tau_s: float) -> None:
        """Bring agent ``a``'s fatigue up to ``now``, decaying with ``tau_s`` since it was last set."""
        live = self.live
        f = live.fatigue[a]
        if f:
            live.fatigue[a] = f * math.exp((live.fatigue_t[a] - now) / tau_s)
        live.fatigue_t[a] = now

    def _leave_floor(self, a: int, mode: int) -> None:
        """Take idle agent ``a`` off the floor into ``mode`` (OFF or BREAK)."""
        site = self.sites[self.agents.site[a]]
        site.idle.remove(a)
        self.mode[a] = mode
        self._recover(a, self.env.now, self.recovery_tau_s)
        self._staff_change(site, -1)

    def _on_shift_end(self, ev: Event) -> None:
        a, end = cast("tuple[int, float]", ev.value)
        if self.shift_end[a] != end:
            return  # a contiguous shift took over
        mode = self.mode[a]
        if mode == IDLE:
            self._leave_floor(a, OFF)
        elif mode == BUSY or mode == CHATTING:
            self.pending[a] = SHIFT_END
        elif mode == BREAK:
            self.mode[a] = OFF

    def _on_break(self, ev: Event) -> None:
        a, length, rest = cast("tuple[int, float, bool]", ev.value)
        mode = self.mode[a]
        if mode == IDLE:
            self._leave_floor(a, BREAK)
            self._at(length, self._on_break_end, (a, rest))
        elif (mode == BUSY or mode == CHATTING) and self.pending[a] == 0.0:
            self.pending[a] = length
            self.pending_rest[a] = rest

    def _on_break_end(self, ev: Event) -> None:
        a, rest = cast("tuple[int, bool]", ev.value)
        if self.mode[a] != BREAK:
            return
        if self.env.now >= self.shift_end[a]:
            self.mode[a] = OFF
            return
        site = self.sites[self.agents.site[a]]
        now = self.env.now
        self._recover(a, now, self.rest_tau_s if rest else self.recovery_tau_s)
        self._staff_change(site, 1)
        self._available(a, site, now)

    # ------------------------------------------------------------------ bookkeeping

    def _accrue(self, k: int, s: int, t0: float, t1: float, weight: float) -> None:
        """Add ``weight x`` the time of ``[t0, t1)`` to counter ``k`` of each interval it spans."""
        if t1 <= t0 or weight == 0:
            return
        size, ns, c = self.interval_s, self.n_sites, self.counts
        i = int(t0 // size)
        while True:
            edge = (i + 1) * size
            if t1 <= edge:
                c[(i * ns + s) * _NC + k] += weight * (t1 - t0)
                return
            c[(i * ns + s) * _NC + k] += weight * (edge - t0)
            t0 = edge
            i += 1

    def _queue_change(self, site: _Site, delta: int) -> None:
        now = self.env.now
        n = site.n_waiting
        if n:
            t0 = site.queue_t
            i = int(now // self.interval_s)
            if int(t0 // self.interval_s) == i:
                self.counts[(i * self.n_sites + site.index) * _NC + _QUEUE_S] += n * (now - t0)
            else:
                self._accrue(_QUEUE_S, site.index, t0, now, n)
        site.queue_t = now
        site.n_waiting += delta

    def _staff_change(self, site: _Site, delta: int) -> None:
        now = self.env.now
        self._accrue(_STAFFED_S, site.index, site.staff_t, now, site.n_on)
        site.staff_t = now
        site.n_on += delta

    def _log(
        self, call: Call, wait: float, handle: float, outcome: str, csat: float = math.nan, survey: int = -1
    ) -> None:
        assert self.log is not None
        self.log.append((call.caller, call.attempt, call.kind, call.ctype, call.site.index,
                         call.t_arr, wait, handle, call.agent, outcome, C.CHANNELS[call.channel], csat, survey))

