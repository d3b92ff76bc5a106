"""The recorder of the SimPy engine: counters per (interval, site), histograms and the call log.

Contact counters go to the bucket of the contact's arrival interval; time integrals (busy,
staffed, queue) to the intervals in which the time accrues (``docs/metrics.md`` 1). The
event loop increments the contact counters in place (``counts[bucket + K_...] += 1``, the
cheapest update in Python); the recorder owns the buffer, the counter offsets ``K_*`` and
every update that takes more than one line: time integrals, answers and replies with their
histograms, the day-level bookings and the call log.
"""

from __future__ import annotations

import math
from typing import Any

import simpy

from .. import config as C
from .. import metrics as M
from ..units import DAY_S, MINUTE_S
from .state import ANSWERED, CHAT, Call, SiteState

NC = M.N_COUNTERS
K_OFFERED, K_ANSWERED, K_ABANDONED, K_BLOCKED = (M.K[k] for k in ("offered", "answered", "abandoned", "blocked"))
K_WITHIN, K_WAITED, K_WAIT_ANS, K_WAIT_AB = (
    M.K[k] for k in ("answered_within_sl", "waited", "wait_answered_s", "wait_abandoned_s")
)
K_HANDLED, K_HANDLE_S, K_RESOLVABLE, K_RESOLVED = (M.K[k] for k in ("handled", "handle_s", "resolvable", "resolved"))
K_ESCALATIONS, K_SUP_RESOLVED, K_IRATE = (M.K[k] for k in ("escalations", "supervisor_resolved", "irate"))
K_SCAMS, K_SCAMS_MISSED = M.K["scams"], M.K["scams_missed"]
K_BUSY_S, K_STAFFED_S, K_OVERTIME_S, K_QUEUE_S = (M.K[k] for k in ("busy_s", "staffed_s", "overtime_s", "queue_s"))
K_FATIGUE_SUM, K_FATIGUE_N = M.K["fatigue_sum"], M.K["fatigue_n"]
K_SUP_ANSWERED, K_SUP_ABANDONED, K_SUP_WAIT = (
    M.K[k] for k in ("supervisor_answered", "supervisor_abandoned", "supervisor_wait_s"))
K_CHAT_OFFERED, K_CHAT_ANSWERED, K_CHAT_ABANDONED, K_CHAT_WITHIN, K_CHAT_WAIT, K_CHAT_S, K_CHAT_AGENT_S = (
    M.K[k] for k in ("chat_offered", "chat_answered", "chat_abandoned", "chat_within_sl", "chat_wait_s",
                     "chat_s", "chat_agent_s"))
K_EMAIL_ARRIVED, K_EMAIL_REPLIED, K_EMAIL_RESPONSE, K_EMAIL_WITHIN, K_EMAIL_BACKLOG, K_EMAIL_DAYS, K_EMAIL_CHASED = (
    M.K[k] for k in ("email_arrived", "email_replied", "email_response_s", "email_within_target",
                     "email_backlog", "email_backlog_days", "email_chased"))
K_CSAT_N, K_CSAT_SUM, K_SURVEYS, K_RESPONSES, K_SATISFIED = (
    M.K[k] for k in ("csat_n", "csat_sum", "surveys", "survey_responses", "survey_satisfied"))
_LAST_BIN = M.WAIT_BINS - 1
_LAST_RESPONSE_BIN = M.RESPONSE_BINS - 1
K_KIND = (M.K["unique_callers"], M.K["redials"], M.K["repeat_calls"])


class Recorder:
    """Counters, wait and email-response histograms, and the optional call log of one run.

    Args:
        env: The run's SimPy environment (its clock dates queue and staffing changes).
        cfg: The scenario.
        n_intervals: Intervals of the run (horizon plus the drain day).
        call_log: Keep one row per finished contact.
    """

    def __init__(self, env: simpy.Environment, cfg: C.Scenario, n_intervals: int, call_log: bool) -> None:
        self.env = env
        self.interval_s = cfg.interval_min * MINUTE_S
        self.n_sites = len(cfg.sites)
        self.acc = M.Accumulator(n_intervals, self.n_sites)
        self.counts = self.acc.counts
        self.wait_hist = [0] * (self.n_sites * M.WAIT_BINS)
        self.response_hist = [0] * (self.n_sites * M.RESPONSE_BINS)
        self.log: list[tuple[Any, ...]] | None = [] if call_log else None
        self.warmup_s = cfg.warmup_days * DAY_S
        self.horizon_s = cfg.days * DAY_S
        self.sl_threshold_s = cfg.sl_threshold_s
        self.chat_sl_s = cfg.channels.chat.sl_threshold_s
        self.email_target_s = cfg.channel_targets_s["email"]

    def accrue(self, k: int, s: int, t0: float, t1: float, weight: float) -> None:
        """Add ``weight x`` the time of ``[t0, t1)`` to counter ``k`` of each interval it spans."""
        if t1 <= t0 or weight == 0:
            return
        size, ns, c = self.interval_s, self.n_sites, self.counts
        i = int(t0 // size)
        while True:
            edge = (i + 1) * size
            if t1 <= edge:
                c[(i * ns + s) * NC + k] += weight * (t1 - t0)
                return
            c[(i * ns + s) * NC + k] += weight * (edge - t0)
            t0 = edge
            i += 1

    def queue_change(self, site: SiteState, delta: int) -> None:
        """Change the site's waiting count by ``delta`` now, accruing the queue integral so far."""
        now = self.env.now
        n = site.n_waiting
        if n:
            t0 = site.queue_t
            i = int(now // self.interval_s)
            if int(t0 // self.interval_s) == i:
                self.counts[(i * self.n_sites + site.index) * NC + K_QUEUE_S] += n * (now - t0)
            else:
                self.accrue(K_QUEUE_S, site.index, t0, now, n)
        site.queue_t = now
        site.n_waiting += delta

    def staff_change(self, site: SiteState, delta: int) -> None:
        """Change the site's agents on the floor by ``delta`` now, accruing the staffed integral so far."""
        now = self.env.now
        self.accrue(K_STAFFED_S, site.index, site.staff_t, now, site.n_on)
        site.staff_t = now
        site.n_on += delta

    def count_answer(self, call: Call, site: SiteState, now: float) -> float:
        """Book the answer of a voice call or chat (first response); return its wait (seconds)."""
        wait = now - call.t_arr
        call.state = ANSWERED
        c, b = self.counts, call.bucket
        c[b + K_ANSWERED] += 1
        if wait > 0:
            c[b + K_WAITED] += 1
            c[b + K_WAIT_ANS] += wait
            k = min(int(wait / M.WAIT_BIN_S) + 1, _LAST_BIN)
        else:
            k = 0
        if call.channel == CHAT:
            c[b + K_CHAT_ANSWERED] += 1
            c[b + K_CHAT_WAIT] += wait
            if wait <= self.chat_sl_s:
                c[b + K_WITHIN] += 1
                c[b + K_CHAT_WITHIN] += 1
        elif wait <= self.sl_threshold_s:
            c[b + K_WITHIN] += 1
        if self.warmup_s <= call.t_arr < self.horizon_s:
            self.wait_hist[site.index * M.WAIT_BINS + k] += 1
        return wait

    def count_reply(self, call: Call, site: SiteState, now: float) -> None:
        """Book a replied email's response time (arrival to reply)."""
        response = now - call.t_arr
        c, b = self.counts, call.bucket
        c[b + K_EMAIL_REPLIED] += 1
        c[b + K_EMAIL_RESPONSE] += response
        if response <= self.email_target_s:
            c[b + K_EMAIL_WITHIN] += 1
        if self.warmup_s <= call.t_arr < self.horizon_s:
            k = min(int(response / M.RESPONSE_BIN_S) + 1, _LAST_RESPONSE_BIN) if response > 0 else 0
            self.response_hist[site.index * M.RESPONSE_BINS + k] += 1

    def book_fatigue(self, i: int, sums: list[float], on: list[int]) -> None:
        """Add interval ``i``'s fatigue sample (sum over on-floor agents and their number) per site."""
        c, ns = self.counts, self.n_sites
        for s in range(ns):
            b = (i * ns + s) * NC
            c[b + K_FATIGUE_SUM] += sums[s]
            c[b + K_FATIGUE_N] += on[s]

    def log_contact(
        self, call: Call, wait: float, handle: float, outcome: str, csat: float = math.nan, survey: int = -1
    ) -> None:
        """Append one row to the call log (``result.CALL_LOG_COLUMNS``)."""
        assert self.log is not None
        self.log.append((call.caller, call.attempt, call.kind, call.ctype, call.site.index,
                         call.t_arr, wait, handle, call.agent, outcome, C.CHANNELS[call.channel], csat, survey))
