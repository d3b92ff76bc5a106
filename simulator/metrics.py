"""Metric keys, the streaming accumulator of the event loop, and derived rates.

The event loop adds to a fixed set of *counters* kept per bucket, a bucket being one
(interval, site) pair. Contact counters (``offered``, ``answered``, waits...) go to the
bucket of the contact's **arrival** interval; time integrals (``busy_s``, ``staffed_s``,
``queue_s``) go to the interval in which the time accrues. Memory is
``n_intervals x n_sites x n_counters`` floats whatever the number of calls.

Every reported rate is a ratio of counter sums (:data:`RATIOS`), so per-interval, per-day,
per-site and per-run figures are all computed the same way from the same counters.
Precise definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from typing import Final, TypeVar

import numpy as np
from numpy.typing import NDArray

from .units import DAY_S

T = TypeVar("T")

COUNTERS: Final[tuple[str, ...]] = (
    "offered",  # contacts arriving (first calls, redials, repeats), blocked included
    "unique_callers",  # first attempts among offered
    "redials",  # redials of abandoned or blocked callers among offered
    "repeat_calls",  # repeat contacts of unresolved callers among offered
    "answered",  # contacts an agent started to serve
    "abandoned",  # contacts that hung up while waiting
    "blocked",  # contacts that found the line full (busy signal)
    "answered_within_sl",  # answered with wait <= sl_threshold_s
    "waited",  # answered or abandoned contacts with wait > 0
    "wait_answered_s",  # sum of waits of answered contacts
    "wait_abandoned_s",  # sum of waits of abandoned contacts (time to hang up)
    "handled",  # contacts whose agent service ended
    "handle_s",  # sum of agent handle times of handled contacts
    "resolvable",  # handled contacts that are not scams
    "resolved",  # resolvable contacts resolved by the agent on this contact
    "escalations",  # resolvable contacts escalated to a supervisor
    "supervisor_resolved",  # escalations the supervisor resolved
    "supervisor_answered",  # escalated callers a supervisor started to serve
    "supervisor_abandoned",  # escalated callers who hung up waiting for a supervisor
    "supervisor_wait_s",  # sum of the supervisor-queue waits of those two
    "irate",  # answered voice calls and chats whose customer was irate
    "scams",  # handled scam contacts
    "scams_missed",  # scams the agent did not detect
    "busy_s",  # agent-seconds on calls
    "staffed_s",  # agent-seconds on the floor (idle or busy, overtime included)
    "overtime_s",  # agent-seconds past shift end finishing a call
    "queue_s",  # caller-seconds waiting in queue (time integral of queue length)
    "fatigue_sum",  # sum of on-floor agents' fatigue, sampled at each interval end
    "fatigue_n",  # number of on-floor agents in those samples
    # Channels (docs/metrics.md 1.4). The queue counters above (offered ... wait_abandoned_s) count
    # voice and chat contacts; handled ... resolved and busy_s count every channel, email included.
    "chat_offered",  # chats arriving (in offered)
    "chat_answered",  # chats an agent took (first response)
    "chat_abandoned",  # chats that left while waiting
    "chat_within_sl",  # chats answered within channels.chat.sl_threshold_s
    "chat_wait_s",  # sum of the waits of answered chats
    "chat_s",  # chat-seconds in service (sum over chats of their durations)
    "chat_agent_s",  # agent-seconds holding at least one chat
    "email_arrived",  # emails arriving (not in offered)
    "email_replied",  # emails an agent finished (replied)
    "email_response_s",  # sum of their response times: arrival to reply (seconds)
    "email_within_target",  # replied within channels.email.target_h
    "email_backlog",  # emails waiting at the end of each day (summed over days)
    "email_backlog_days",  # day ends sampled for email_backlog
    "email_chased",  # unanswered emails whose customer then phoned (before the horizon)
    # Satisfaction and surveys (docs/metrics.md 1.5), per handled non-scam contact.
    "csat_n",  # contacts scored
    "csat_sum",  # sum of their satisfaction probabilities (true satisfaction)
    "surveys",  # contacts offered a survey
    "survey_responses",  # surveys answered
    "survey_satisfied",  # answers that are satisfied
    # Day-level workforce counters, booked to the first interval of each day (state at the
    # start of the day, after the end-of-previous-day updates). "*_days" are agent-days.
    "employed_days",  # agents employed (classroom or floor)
    "classroom_days",  # agents in the classroom
    "novice_days",  # agents on the floor with proficiency below NOVICE_P
    "experienced_days",  # agents on the floor with proficiency at least NOVICE_P
    "vacancy_days",  # open vacancies (hires not yet started)
    "scheduled_days",  # floor agents whose shift works today
    "absent_days",  # scheduled agents absent today
    "quits",  # voluntary quits at the end of the previous day
    "dismissals",  # KPI dismissals at the end of the previous day
    "hires",  # new hires starting (classroom or floor) today
    "kpi_reviews",  # agents reviewed against the AHT target
    "kpi_misses",  # reviews missed
    "burnout_sum",  # sum of burnout B over floor agents
    "proficiency_sum",  # sum of proficiency p over floor agents
    "paid_s",  # paid agent-seconds: scheduled shifts less unpaid breaks (absence, leave included) and classroom
    "leave_days",  # scheduled agents on paid leave today
    "supervisor_paid_s",  # supervisor-seconds on duty (supervisors x opening hours)
    # Calibration counters (docs/metrics.md 2.2): day-level, except the two new-hire cohort counters,
    # which are booked at the end of the run to the first interval of each hire's start day.
    "shift_paid_s",  # the scheduled-shift part of paid_s (floor agents, absent and on leave included; no classroom)
    "new_hires_90d",  # hires starting on the day whose first 90 days end before the horizon
    "new_hire_leavers_90d",  # of those, hires who left (quit or dismissed) within 90 days of starting
    "proficient_reached",  # floor agents seen at p >= proficient_p for the first time at this census
    "days_to_proficiency",  # their days on the floor (census day - floor_day)
    "month1_days",  # floor agent-days of agents in their first 30 days on the floor
    "month1_ht_multiplier",  # sum over those agent-days of the novice handle-time factor 1 + slowdown (1 - p)
    "csat_reviews",  # agents reviewed on the survey-score KPI
    "csat_misses",  # of those, below the target
    "csat_unfair_dismissals",  # dismissals after a survey-score miss of agents whose true satisfaction met the target
    # Money, filled in once at the end of a run from the counters above (costs.book_costs).
    "cost_wages",  # wage_per_hour x (paid hours + (1 + overtime_premium) x overtime hours)
    "cost_overhead",  # overhead_per_hour x (paid hours + overtime hours)
    "cost_supervisors",  # supervisors.wage_per_hour x supervisor hours on duty
    "cost_hiring",  # cost_per_hire x hires
    "cost_calls",  # price_per_call x handled contacts
    "cost_fraud",  # fraud_loss_per_scam x scams missed
    "cost_abandon",  # abandoned_call_cost x abandoned contacts
    "cost_total",  # sum of the seven above
)
"""Counter names, in storage order."""

K: Final[dict[str, int]] = {name: i for i, name in enumerate(COUNTERS)}
"""Column index of each counter."""

N_COUNTERS: Final[int] = len(COUNTERS)

_QUEUED: Final = ("answered", "abandoned")
_FLOOR: Final = ("novice_days", "experienced_days")
RATIOS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "service_level": (("answered_within_sl",), _QUEUED),
    "asa_s": (("wait_answered_s",), ("answered",)),
    "wait_mean_s": (("wait_answered_s", "wait_abandoned_s"), _QUEUED),
    "abandon_rate": (("abandoned",), _QUEUED),
    "p_wait": (("waited",), _QUEUED),
    "block_rate": (("blocked",), ("offered",)),
    "occupancy": (("busy_s",), ("staffed_s",)),
    "aht_s": (("handle_s",), ("handled",)),
    "fcr": (("resolved",), ("resolvable",)),
    "escalation_rate": (("escalations",), ("resolvable",)),
    "escalation_wait_s": (("supervisor_wait_s",), ("supervisor_answered", "supervisor_abandoned")),
    "escalation_abandon_rate": (("supervisor_abandoned",), ("supervisor_answered", "supervisor_abandoned")),
    "irate_share": (("irate",), ("answered",)),
    "fatigue_mean": (("fatigue_sum",), ("fatigue_n",)),
    "repeat_share": (("repeat_calls",), ("offered",)),
    "absence_rate": (("absent_days",), ("scheduled_days",)),
    "burnout_mean": (("burnout_sum",), _FLOOR),
    "proficiency_mean": (("proficiency_sum",), _FLOOR),
    "kpi_miss_rate": (("kpi_misses",), ("kpi_reviews",)),
    "attrition_annual": (("quits", "dismissals"), ("employed_days",)),
    "cost_per_resolved": (("cost_total",), ("resolved", "supervisor_resolved")),
    "shrinkage": (("shift_paid_s", "-staffed_s", "overtime_s"), ("shift_paid_s",)),
    "new_hire_attrition_90d": (("new_hire_leavers_90d",), ("new_hires_90d",)),
    "time_to_proficiency_days": (("days_to_proficiency",), ("proficient_reached",)),
    "novice_speed_30d": (("month1_days",), ("month1_ht_multiplier",)),
    "loaded_cost_per_paid_hour": (("cost_wages", "cost_overhead", "cost_supervisors"), ("paid_s", "overtime_s")),
    "csat": (("csat_sum",), ("csat_n",)),
    "csat_survey": (("survey_satisfied",), ("survey_responses",)),
    "survey_response_rate": (("survey_responses",), ("surveys",)),
    "csat_miss_rate": (("csat_misses",), ("csat_reviews",)),
    "voice_service_level": (("answered_within_sl", "-chat_within_sl"),
                            ("answered", "abandoned", "-chat_answered", "-chat_abandoned")),
    "voice_asa_s": (("wait_answered_s", "-chat_wait_s"), ("answered", "-chat_answered")),
    "voice_abandon_rate": (("abandoned", "-chat_abandoned"),
                           ("answered", "abandoned", "-chat_answered", "-chat_abandoned")),
    "chat_service_level": (("chat_within_sl",), ("chat_answered", "chat_abandoned")),
    "chat_asa_s": (("chat_wait_s",), ("chat_answered",)),
    "chat_abandon_rate": (("chat_abandoned",), ("chat_answered", "chat_abandoned")),
    "chat_concurrency_mean": (("chat_s",), ("chat_agent_s",)),
    "email_backlog_mean": (("email_backlog",), ("email_backlog_days",)),
    "email_response_mean_h": (("email_response_s",), ("email_replied",)),
    "email_response_target_met": (("email_within_target",), ("email_replied",)),
}
"""Derived rates: ``name -> (numerator counters, denominator counters)``; NaN on 0/0.
A counter written ``-name`` is subtracted (``shrinkage`` = 1 - time on the floor within
shifts / paid shift time). Each rate is multiplied by its :data:`SCALE` (1 if absent)."""

SCALE: Final[dict[str, float]] = {
    "attrition_annual": 365.0, "loaded_cost_per_paid_hour": 3600.0, "email_response_mean_h": 1.0 / 3600.0,
}
"""``attrition_annual`` = separations / agent-days employed x 365 = separations / mean
headcount x 365 / days; ``loaded_cost_per_paid_hour`` = (wages + overhead + supervisors) / agent paid
seconds x 3600."""

NEW_HIRE_WINDOW_DAYS: Final[int] = 90
"""``new_hire_attrition_90d`` counts hires who left within this many days of starting."""

MONTH1_FLOOR_DAYS: Final[int] = 30
"""``novice_speed_30d`` covers agents in their first this-many days on the floor."""

PROFICIENT_HT_MARGIN: Final[float] = 0.05
"""An agent is proficient once the novice handle-time factor ``1 + novice_slowdown (1 - p)``
is at most ``1 +`` this, i.e. its calls take at most 5% longer than a fully proficient agent's."""


def proficient_p(novice_slowdown: float) -> float:
    """Proficiency threshold ``p* = 1 - PROFICIENT_HT_MARGIN / novice_slowdown`` (0 if that is negative).

    ``1 + novice_slowdown (1 - p) <= 1 + PROFICIENT_HT_MARGIN`` exactly when ``p >= p*``; with
    ``novice_slowdown <= PROFICIENT_HT_MARGIN`` every agent is proficient from its first floor day.
    """
    if novice_slowdown <= PROFICIENT_HT_MARGIN:
        return 0.0
    return 1.0 - PROFICIENT_HT_MARGIN / novice_slowdown

SHARES: Final[frozenset[str]] = frozenset({
    "service_level", "occupancy", "abandon_rate", "p_wait", "block_rate", "fcr", "escalation_rate", "irate_share",
    "repeat_share", "absence_rate", "kpi_miss_rate", "shrinkage", "new_hire_attrition_90d", "novice_speed_30d",
    "escalation_abandon_rate", "csat", "csat_survey", "survey_response_rate", "csat_miss_rate",
    "voice_service_level", "voice_abandon_rate", "chat_service_level", "chat_abandon_rate",
    "email_response_target_met",
})
"""Metrics that are shares in [0, 1] (figures show them in percent)."""

NOVICE_P: Final[float] = 0.8
"""Floor agents with proficiency below this count as novices in the headcount by stage."""

WAIT_BIN_S: Final[float] = 5.0
"""Width of the wait-time histogram bins (seconds)."""
WAIT_BINS: Final[int] = 722
"""Histogram bins: bin 0 holds waits of exactly 0; bin ``k`` (1..720) waits in
``((k - 1) 5, k 5]`` s; the last bin waits over an hour."""
RESPONSE_BIN_S: Final[float] = 900.0
"""Width of the email response-time histogram bins (seconds)."""
RESPONSE_BINS: Final[int] = 14 * 96 + 2
"""Email response bins, laid out like :data:`WAIT_BINS`: 0, then 15-minute bins up to 14 days, then over."""


class Accumulator:
    """Counters per (interval, site) bucket in one flat ``array('d')``, fast to increment.

    Attributes:
        counts: Flat buffer; entry ``(interval * n_sites + site) * N_COUNTERS + k``.
    """

    def __init__(self, n_intervals: int, n_sites: int) -> None:
        self.n_intervals = n_intervals
        self.n_sites = n_sites
        self.counts = array("d", bytes(8 * n_intervals * n_sites * N_COUNTERS))

    def table(self) -> NDArray[np.float64]:
        """Counters as an array of shape ``(n_intervals, n_sites, N_COUNTERS)``."""
        flat = np.frombuffer(self.counts, dtype=np.float64)
        return flat.reshape(self.n_intervals, self.n_sites, N_COUNTERS).copy()


def _signed_sum(sums: NDArray[np.float64], terms: tuple[str, ...]) -> NDArray[np.float64]:
    """Sum of counters ``terms`` over the last axis of ``sums``; a name ``-c`` subtracts counter ``c``."""
    return sum(  # type: ignore[return-value]
        -sums[..., K[c[1:]]] if c.startswith("-") else sums[..., K[c]] for c in terms
    )


def derive(sums: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Derived rates from counter sums whose last axis is ``N_COUNTERS``."""
    out: dict[str, NDArray[np.float64]] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, (num, den) in RATIOS.items():
            n = _signed_sum(sums, num)
            d = _signed_sum(sums, den)
            out[name] = np.where(d > 0, SCALE.get(name, 1.0) * n / np.where(d > 0, d, 1.0), np.nan)
    return out


def histogram_quantiles(
    hist: NDArray[np.int64], qs: tuple[float, ...], bin_s: float = WAIT_BIN_S
) -> list[float]:
    """Quantiles (seconds) of a histogram laid out like :data:`WAIT_BINS` with bins ``bin_s`` wide; NaN if empty.

    A quantile falling among the zero waits is 0; otherwise it is interpolated linearly
    inside its bin.
    """
    total = hist.sum()
    if total == 0:
        return [float("nan")] * len(qs)
    cum = np.cumsum(hist)
    out = []
    for q in qs:
        target = q * total
        k = int(np.searchsorted(cum, target, side="left"))
        if k == 0:
            out.append(0.0)
            continue
        frac = (target - cum[k - 1]) / hist[k]
        out.append(float((k - 1 + frac) * bin_s))
    return out


QUANTILES: Final[dict[str, float]] = {"wait_p50_s": 0.5, "wait_p90_s": 0.9, "wait_p95_s": 0.95}
"""Wait percentiles of answered contacts reported in summaries."""
RESPONSE_QUANTILES: Final[dict[str, float]] = {"email_response_p50_h": 0.5, "email_response_p90_h": 0.9}
"""Email response-time percentiles (hours) reported in summaries."""


def columns(sums: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Counter sums and derived rates as named columns (last axis of ``sums`` = counters)."""
    out = {name: sums[..., i] for i, name in enumerate(COUNTERS)}
    out.update(derive(sums))
    return out


def summarise(
    sums: NDArray[np.float64], hist: NDArray[np.int64], window_s: float, response_hist: NDArray[np.int64]
) -> dict[str, float]:
    """One summary row from counter sums over a window of ``window_s`` seconds.

    Adds the wait percentiles from ``hist``, the email response percentiles (hours) from
    ``response_hist`` and two time averages: ``queue_len_mean`` (callers waiting) and
    ``agents_on_floor_mean`` (agents staffed).
    """
    row = {k: float(v) for k, v in columns(sums).items()}
    row.update(zip(QUANTILES, histogram_quantiles(hist, tuple(QUANTILES.values())), strict=True))
    response = histogram_quantiles(response_hist, tuple(RESPONSE_QUANTILES.values()), RESPONSE_BIN_S)
    row.update(zip(RESPONSE_QUANTILES, (r / 3600.0 for r in response), strict=True))
    row["queue_len_mean"] = row["queue_s"] / window_s if window_s > 0 else float("nan")
    row["agents_on_floor_mean"] = row["staffed_s"] / window_s if window_s > 0 else float("nan")
    days = window_s / DAY_S
    row["headcount_mean"] = row["employed_days"] / days if days > 0 else float("nan")
    return row


SUMMARY_KEYS: Final[tuple[str, ...]] = (
    "offered", "unique_callers", "answered", "abandoned", "blocked", "service_level", "asa_s",
    "wait_mean_s", "wait_p50_s", "wait_p90_s", "wait_p95_s", "abandon_rate", "p_wait",
    "block_rate", "occupancy", "aht_s", "fcr", "escalations", "escalation_rate", "escalation_wait_s",
    "escalation_abandon_rate", "scams",
    "scams_missed", "redials", "repeat_calls", "irate_share", "fatigue_mean", "overtime_s",
    "queue_len_mean", "agents_on_floor_mean", "repeat_share", "headcount_mean", "absence_rate",
    "shrinkage", "quits", "dismissals", "hires", "attrition_annual", "new_hire_attrition_90d",
    "burnout_mean", "proficiency_mean", "time_to_proficiency_days", "novice_speed_30d",
    "kpi_miss_rate", "paid_s", "cost_wages", "cost_overhead", "cost_supervisors", "cost_hiring", "cost_calls",
    "cost_fraud", "cost_abandon", "cost_total", "cost_per_resolved", "loaded_cost_per_paid_hour",
    "csat", "csat_survey", "survey_responses", "csat_miss_rate", "csat_unfair_dismissals",
)
"""Metrics reported in run summaries, in display order."""


CHANNEL_KEYS: Final[dict[str, dict[str, str]]] = {
    "voice": {"service_level": "voice_service_level", "asa_s": "voice_asa_s", "abandon_rate": "voice_abandon_rate"},
    "chat": {"service_level": "chat_service_level", "asa_s": "chat_asa_s", "abandon_rate": "chat_abandon_rate",
             "concurrency_mean": "chat_concurrency_mean"},
    "email": {"backlog_mean": "email_backlog_mean", "response_p50_h": "email_response_p50_h",
              "response_p90_h": "email_response_p90_h", "response_target_met": "email_response_target_met"},
}
"""Per-channel metrics of the summaries' ``channels`` object: ``channel -> {key: summary metric}``."""


def channel_metrics(channels: Sequence[str]) -> list[str]:
    """Summary metrics of the ``channels`` block for a scenario using ``channels`` (none if voice only)."""
    if list(channels) == ["voice"]:
        return []
    return [name for ch in channels for name in CHANNEL_KEYS[ch].values()]


def nest_channels(flat: Mapping[str, T], channels: Sequence[str]) -> dict[str, dict[str, T]]:
    """``{channel: {key: flat[metric]}}`` of :data:`CHANNEL_KEYS` for the channel metrics present in ``flat``."""
    out: dict[str, dict[str, T]] = {}
    for ch in channels:
        block = {key: flat[name] for key, name in CHANNEL_KEYS[ch].items() if name in flat}
        if block:
            out[ch] = block
    return out

