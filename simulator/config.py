"""Scenario configuration: a frozen, typed schema loaded from YAML.

A scenario is a YAML mapping validated into :class:`Scenario`, an immutable tree of
pydantic models. Every field carries its unit in its name (``aht_s``, ``interval_min``,
``length_h``) and a one-line description. Validation rejects unknown keys, wrong types and
impossible values; :class:`ConfigError` then lists every bad field by its dotted path
(``sites.inhouse.roster.shifts.0.length_h``) with what was expected.

Overrides use the same dotted paths, from the command line (``--set days=90``) or from
Python (``load_config(path, overrides={"demand.calls_per_day": 9000})``). A path element
may be a list index (``sites.0.agents``) or, for lists of named items, the item's name
(``sites.inhouse.agents``). A scenario file may ``extends: other.yaml`` (relative to the
file) and override only what differs.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .units import DAY_S, MINUTES_PER_HOUR, intervals_per_day

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names in calendar order; day 0 of a run is ``start_weekday``."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Channel = Literal["voice", "chat", "email"]
CHANNELS: tuple[str, ...] = ("voice", "chat", "email")
"""Contact channels: voice and chat wait with patience; email is deferred work that never abandons."""


class ConfigError(ValueError):
    """A scenario failed validation; ``errors`` holds ``(dotted_path, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]], source: str | None = None) -> None:
        self.errors = errors
        self.source = source
        where = f" in {source}" if source else ""
        lines = [f"invalid configuration{where}:"] + [f"  {path}: {msg}" for path, msg in errors]
        super().__init__("\n".join(lines))


class ConfigModel(BaseModel):
    """Base of every schema model (scenarios and sweep files): frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- distributions


class _ByMean(ConfigModel):
    """A family given by its mean."""

    mean_s: Positive = Field(description="Mean (seconds).")


class Exponential(_ByMean):
    """Exponential distribution given by its mean."""

    dist: Literal["exponential"] = "exponential"


class _ByMeanCV(_ByMean):
    """A family given by its mean and coefficient of variation."""

    cv: Positive = Field(description="Coefficient of variation (standard deviation / mean).")


class Lognormal(_ByMeanCV):
    """Lognormal distribution given by its mean and coefficient of variation."""

    dist: Literal["lognormal"] = "lognormal"


class Gamma(_ByMeanCV):
    """Gamma distribution given by its mean and coefficient of variation."""

    dist: Literal["gamma"] = "gamma"


class Weibull(_ByMean):
    """Weibull distribution given by its mean and shape parameter."""

    dist: Literal["weibull"] = "weibull"
    shape: Positive = Field(description="Weibull shape k (1 = exponential).")


class Deterministic(ConfigModel):
    """A constant."""

    dist: Literal["deterministic"] = "deterministic"
    mean_s: NonNegative = Field(description="The constant value (seconds).")


class Never(ConfigModel):
    """An infinite duration: used for callers who never abandon."""

    dist: Literal["none"] = "none"


DurationSpec = Annotated[
    Exponential | Lognormal | Gamma | Weibull | Deterministic | Never,
    Field(discriminator="dist"),
]
"""A duration distribution, chosen by its ``dist`` key."""


# --------------------------------------------------------------------------- demand


class CallType(ConfigModel):
    """One kind of call (billing, technical, ...) and what it needs from an agent."""

    name: str = Field(description="Unique name of the call type.")
    share: Probability = Field(description="Share of base arrivals of this type; shares sum to 1.")
    handle_time: DurationSpec = Field(description="Base handle time of a proficient, rested agent.")
    fcr: Probability = Field(0.8, description="Base probability of first-contact resolution.")
    irate_p: Probability = Field(0.05, description="Probability the caller is irate before waiting.")
    escalation_p: Probability = Field(0.03, description="Base probability of escalation.")
    scam_p: Probability = Field(0.0, description="Probability the call is a scam attempt.")
    priority: int = Field(0, ge=0, description="Priority class; 0 is served first.")
    channel: Channel = Field(
        "voice", description="voice (a phone call), chat (several at once per agent) or email (deferred work, "
        "worked oldest first when no voice or chat contact waits, never abandoned)."
    )
    patience: DurationSpec | None = Field(
        None, description="This type's own patience (seconds); null: demand.patience. Ignored for email."
    )


class Redial(ConfigModel):
    """Callers who abandoned or got a busy signal call again."""

    p: Probability = Field(0.0, description="Probability an abandoned or blocked caller redials.")
    delay: DurationSpec = Field(
        Exponential(mean_s=600.0), description="Delay from hang-up to redial (seconds)."
    )


class Repeat(ConfigModel):
    """Callers whose issue was not resolved call again."""

    p: Probability = Field(0.0, description="Probability an unresolved caller calls again.")
    delay: DurationSpec = Field(
        Exponential(mean_s=DAY_S), description="Delay from the end of the call (seconds)."
    )


class Demand(ConfigModel):
    """Arrivals: volume, intraday shape, call types, patience, redials and repeats."""

    mode: Literal["profile", "stationary"] = Field(
        "profile",
        description="profile: calls_per_day shaped by weekday factors and the intraday profile; "
        "stationary: constant calls_per_hour around the clock (for validation).",
    )
    calls_per_day: NonNegative = Field(1000.0, description="Base daily volume (calls/day), profile mode.")
    calls_per_hour: NonNegative = Field(100.0, description="Constant arrival rate (calls/h), stationary mode.")
    weekday_factors: dict[Weekday, NonNegative] = Field(
        default_factory=dict, description="Multiplier per weekday (missing days: 1)."
    )
    trend_per_year: float = Field(0.0, gt=-1.0, description="Compound volume growth per 365 days.")
    overdispersion_cv: NonNegative = Field(
        0.0, description="CV of the Gamma day-level multiplier G (mean 1); 0 gives plain Poisson."
    )
    open_h: dict[Weekday, tuple[float, float] | None] = Field(
        default_factory=lambda: dict.fromkeys(WEEKDAYS, (8.0, 20.0)),  # type: ignore[arg-type]
        description="Opening hours [open_h, close_h) per weekday, null when closed (profile mode).",
    )
    intraday_profile: list[NonNegative] = Field(
        default_factory=lambda: [1.0] * 24,
        description="Relative arrival weights: 24 hourly values or one per interval of the day.",
    )
    call_types: list[CallType] = Field(description="The call types; shares sum to 1.")
    patience: DurationSpec = Field(Exponential(mean_s=300.0), description="Caller patience (seconds).")
    anger_per_min: NonNegative = Field(
        0.0, description="Added irate probability per minute waited (capped at 1)."
    )
    redial: Redial = Field(default_factory=Redial)
    repeat: Repeat = Field(default_factory=Repeat)

    @field_validator("call_types")
    @classmethod
    def _types(cls, v: list[CallType]) -> list[CallType]:
        if not v:
            raise ValueError("at least one call type is required")
        total = sum(t.share for t in v)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"shares must sum to 1, got {total:.6g}")
        names = [t.name for t in v]
        if len(set(names)) != len(names):
            raise ValueError(f"call type names must be unique, got {names}")
        return v

    @field_validator("open_h")
    @classmethod
    def _hours(
        cls, v: dict[str, tuple[float, float] | None]
    ) -> dict[str, tuple[float, float] | None]:
        for day, hours in v.items():
            if hours is not None and not 0.0 <= hours[0] < hours[1] <= 24.0:
                raise ValueError(f"{day}: expected 0 <= open_h < close_h <= 24, got {list(hours)}")
        return v

    @field_validator("intraday_profile")
    @classmethod
    def _profile(cls, v: list[float]) -> list[float]:
        if sum(v) <= 0:
            raise ValueError("needs at least one positive weight")
        return v


# --------------------------------------------------------------------------- channels


class Chat(ConfigModel):
    """Chat: an agent holds several chats at once, each progressing more slowly (docs/model.md, Channels)."""

    max_concurrency: int = Field(3, ge=1, description="Chats an agent holds at most at once.")
    capacity: list[Positive] = Field(
        [1.0, 1.7, 2.5, 2.9, 3.5],
        description="Effective capacity c(n): chats' worth of work an agent does per second with n = 1, 2, ... "
        "concurrent chats (each progresses at c(n)/n); at least max_concurrency entries, c(1) = 1.",
    )
    sl_threshold_s: NonNegative = Field(60.0, description="Service-level threshold on the first response (seconds).")
    fcr_penalty: Probability = Field(
        0.0, description="Resolution x (1 - this x (m - 1)), m the chat's time-averaged concurrency."
    )
    load_per_extra_chat: NonNegative = Field(
        0.0, description="A chat's load x (1 + this x (m - 1)), m its time-averaged concurrency."
    )

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, v: list[float]) -> list[float]:
        if not v or v[0] != 1.0:
            raise ValueError(f"expected c(1) = 1 first, got {v}")
        if any(b < a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError(f"expected a non-decreasing curve, got {v}")
        return v


class Email(ConfigModel):
    """Email and other deferred work (docs/model.md, Channels)."""

    target_h: Positive = Field(24.0, description="Response-time target: replied within this many hours (hours).")
    target_share: Probability = Field(0.8, description="Share of emails to reply to within target_h (reported).")
    reserve_idle: int = Field(
        0, ge=0, description="An agent takes an email only if more than this many agents of its site stay idle."
    )
    chase_after_h: Positive | None = Field(
        None, description="An email still unanswered this long after arriving may turn into a phone call (hours)."
    )
    chase_p: Probability = Field(0.0, description="Probability the customer then phones.")
    chase_type: str | None = Field(
        None, description="Voice call type of that phone call (handle time, FCR, ...); null: the first voice type."
    )


class Channels(ConfigModel):
    """Settings of the chat and email channels (unused unless a call type has that channel)."""

    chat: Chat = Field(default_factory=Chat)
    email: Email = Field(default_factory=Email)


class Satisfaction(ConfigModel):
    """Customer satisfaction of each handled contact and post-contact surveys (docs/model.md, Satisfaction).

    ``s = min(1, base x channel x resolution x escalation x irate x repeat x wait x agent)``: the
    probability that the customer is satisfied (top-2-box). Defaults and their sources:
    docs/model.md, Satisfaction.
    """

    base: Probability = Field(
        0.85, description="Satisfaction probability of a resolved voice contact, first attempt, answered without a "
        "long wait by a proficient unpressured agent."
    )
    channel_multiplier: dict[Channel, Positive] = Field(
        default_factory=lambda: {"voice": 1.0, "chat": 1.05, "email": 0.95},  # type: ignore[arg-type]
        description="Multiplier per channel (missing channels 1).",
    )
    unresolved_multiplier: Probability = Field(
        0.75, description="x this if not resolved (resolved contacts score 1/0.75 higher).")
    escalated_multiplier: Probability = Field(0.88, description="x this if escalated (transferred).")
    irate_multiplier: Probability = Field(0.67, description="x this if the customer was irate.")
    repeat_multiplier: Probability = Field(0.9, description="x this if the caller contacted before (attempt > 0).")
    wait_penalty: Probability = Field(
        0.15, description="Largest share of satisfaction a long wait takes: x (1 - this x w), w = clip((wait/T - "
        "free) / (full - free), 0, 1), T the channel's target (sl_threshold_s; chat sl_threshold_s; email target_h)."
    )
    wait_free_multiple: NonNegative = Field(3.0, description="Waits up to this multiple of T cost nothing (free).")
    wait_full_multiple: Positive = Field(15.0, description="The wait penalty is full at this multiple of T (full).")
    novice_penalty: Probability = Field(0.15, description="x (1 - this x (1 - p)), p the agent's proficiency.")
    rush_penalty: Probability = Field(0.0, description="x (1 - this x r), r the agent's pressure.")
    survey_share: Probability = Field(1.0, description="Share of handled contacts offered a survey.")
    response_p: Probability = Field(0.05, description="Probability a satisfied customer offered a survey answers.")
    dissatisfied_response_ratio: NonNegative = Field(
        1.0, description="A dissatisfied customer answers with response_p x this (capped at 1): above 1, "
        "unhappy customers answer more (response bias); 1: no bias."
    )

    @model_validator(mode="after")
    def _multiples(self) -> Satisfaction:
        if self.wait_full_multiple <= self.wait_free_multiple:
            raise ValueError(f"wait_full_multiple: expected above wait_free_multiple ({self.wait_free_multiple:g}), "
                             f"got {self.wait_full_multiple:g}")
        return self


# --------------------------------------------------------------------------- sites


class Break(ConfigModel):
    """A scheduled break inside a shift."""

    start_min: NonNegative = Field(description="Start, minutes after the shift starts.")
    length_min: Positive = Field(description="Duration (minutes); taken in full after the current call.")
    paid: bool = Field(True, description="Paid time (counts in paid hours and shrinkage); false: e.g. unpaid lunch.")
    rest: bool = Field(
        True, description="Fatigue recovers with behaviour.fatigue.rest_tau_s; false: off-phone work (coaching, "
        "meetings, e-learning) that recovers like idle time on the floor."
    )
    weekdays: list[Weekday] | None = Field(
        None, description="Weekdays on which it happens (e.g. a weekly coaching session); null: every working day."
    )
    stagger_min: NonNegative = Field(
        0.0, description="The shift's agents start it spread evenly over [start_min, start_min + this) "
        "(minutes), so the whole shift does not leave the phones at once."
    )


class Shift(ConfigModel):
    """A shift pattern; agents are spread over shifts by share."""

    name: str = Field(description="Unique name of the shift.")
    start_h: Annotated[float, Field(ge=0.0, lt=24.0)] = Field(description="Start hour of day [0, 24).")
    length_h: Annotated[float, Field(gt=0.0, le=24.0)] = Field(description="Length (hours), at most 24.")
    weekdays: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS[:5]), description="Working days."  # type: ignore[arg-type]
    )
    share: Probability = Field(description="Share of the site's agents on this shift; shares sum to 1.")
    breaks: list[Break] = Field(default_factory=list, description="Breaks, in order.")

    @model_validator(mode="after")
    def _breaks_inside(self) -> Shift:
        end_min = self.length_h * MINUTES_PER_HOUR
        previous_end = 0.0
        for i, b in enumerate(self.breaks):
            last_end = b.start_min + b.stagger_min + b.length_min
            if b.start_min < previous_end or last_end > end_min:
                raise ValueError(
                    f"breaks.{i}: must lie inside the shift (0-{end_min:g} min) after the "
                    f"previous break, staggering included, got {b.start_min:g}-{last_end:g} min"
                )
            if b.weekdays is not None and not set(b.weekdays) <= set(self.weekdays):
                raise ValueError(f"breaks.{i}.weekdays: must be among the shift's weekdays {self.weekdays}, "
                                 f"got {b.weekdays}")
            previous_end = last_end
        return self


class Roster(ConfigModel):
    """Shifts of a site."""

    shifts: list[Shift] = Field(description="Shift patterns; shares sum to 1.")

    @field_validator("shifts")
    @classmethod
    def _shares(cls, v: list[Shift]) -> list[Shift]:
        if not v:
            raise ValueError("at least one shift is required")
        total = sum(s.share for s in v)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"shares must sum to 1, got {total:.6g}")
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError(f"shift names must be unique, got {names}")
        return v


class Supervisors(ConfigModel):
    """Supervisors (team leaders) on duty in opening hours who take escalated calls from their own FCFS queue."""

    count: int = Field(0, ge=0, description="Supervisors on duty during the centre's opening hours.")
    handle_time: DurationSpec = Field(
        Exponential(mean_s=600.0), description="Supervisor handle time of an escalated call."
    )
    resolution_p: Probability = Field(0.9, description="Probability a supervisor resolves the issue.")
    wage_per_hour: NonNegative = Field(0.0, description="Cost per supervisor hour on duty (money/h).")
    patience_multiplier: Positive = Field(
        1.0, description="An escalated caller waits for a supervisor at most this x the caller's own patience."
    )


class Training(ConfigModel):
    """The new-hire course: paid classroom days off the phones, then the floor at ``p0``."""

    classroom_days: int = Field(
        0, ge=0, description="Classroom days (Mon-Fri) before a hire takes calls; 0: straight to the floor."
    )
    classroom_hours_per_day: NonNegative = Field(8.0, description="Paid hours per classroom day (hours).")
    p_entry: Probability = Field(0.1, description="Proficiency of a hire before any training.")
    tau_days: Positive = Field(
        30.0, description="p0 = 1 - (1 - p_entry) exp(-classroom_days / tau_days) (days)."
    )
    class_interval_days: int | None = Field(
        None, ge=1, description="Batched classes start on days 0, k, 2k, ...; null: each hire starts at once."
    )
    ready_p: Probability = Field(
        0.0, description="Proficiency at which a hire starts on the floor prepared; below it, the early quit "
        "hazard rises (attrition.unprepared_quit_multiplier). 0: preparedness plays no part."
    )


class Kpi(ConfigModel):
    """Per-agent targets (average handle time, survey score) reviewed periodically; misses lead to dismissal."""

    aht_target_s: Positive | None = Field(None, description="AHT target (seconds); null: no KPI reviews.")
    review_days: int = Field(7, ge=1, description="Review period (days); reviews at the start of days k, 2k, ...")
    grace_days: NonNegative = Field(30.0, description="Days on the floor before a new hire is reviewed.")
    min_calls: int = Field(10, ge=1, description="Agents with fewer calls in the period are not reviewed.")
    misses_to_dismiss: int | None = Field(
        None, ge=1, description="Consecutive misses that lead to dismissal; null: never dismissed."
    )
    csat_target: Probability | None = Field(
        None, description="Survey-score KPI: share of an agent's survey responses that are satisfied; "
        "null: no survey KPI. Reviewed with the AHT target; missing either is a miss."
    )
    csat_min_responses: int = Field(5, ge=1, description="Agents with fewer survey responses in the period are "
                                    "not reviewed on the survey score.")
    pressure_step: Probability = Field(
        0.25, description="A miss raises pressure r by this (capped at 1); a met target lowers it by this."
    )


class Attrition(ConfigModel):
    """Voluntary quits: a daily hazard raised by burnout and early tenure, lowered by recognition."""

    annual_quit_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="Probability a rested agent quits within a year: h0 = -ln(1 - this) / 365 per day."
    )
    quit_burnout: NonNegative = Field(0.0, description="Hazard x exp(this x B).")
    early_tenure_days: NonNegative = Field(90.0, description="Tenure (days since hire) counted as early.")
    early_quit_multiplier: Annotated[float, Field(ge=1.0)] = Field(
        1.0, description="Hazard multiplier during early tenure."
    )
    outside_options: Positive = Field(
        1.0, description="Hazard multiplier from the job market; below 1 agents are stuck (fewer quits)."
    )
    stuck_absence: NonNegative = Field(
        0.0, description="Absence x (1 + this x max(0, 1 - outside_options)): stuck agents call in sick."
    )
    recognition_retention: Probability = Field(
        0.0, description="Hazard x (1 - this x recognition)."
    )
    unprepared_quit_multiplier: Annotated[float, Field(ge=1.0)] = Field(
        1.0, description="Hazard multiplier of a hire who starts on the floor wholly unprepared (p0 = p_entry), "
        "in the first reality_shock_days on the floor; scaled by the shortfall of p0 below training.ready_p."
    )
    reality_shock_days: NonNegative = Field(180.0, description="Days on the floor the preparedness multiplier lasts.")


class Hiring(ConfigModel):
    """How a site hires: replace each leaver (``backfill``) or order up to a proficiency-weighted level.

    ``order_up_to`` (Gans & Zhou 2002): every ``review_days`` the site's position (the sum of
    ``p`` over its floor agents plus each hire in the pipeline at ``pipeline_p``) is topped up to
    ``level`` by new hires; leavers open no vacancy. Equations: ``docs/model.md``, 7.6.
    """

    policy: Literal["backfill", "order_up_to"] = Field(
        "backfill", description="backfill: each leaver opens a vacancy (if backfill is true); order_up_to: "
        "periodic reviews hire up to a proficiency-weighted level."
    )
    backfill: bool = Field(True, description="Each leaver opens a vacancy that is filled by a new hire "
                           "(policy backfill only).")
    lead_time_days: NonNegative = Field(0.0, description="Days from a vacancy to the hire's start.")
    cost_per_hire: NonNegative = Field(0.0, description="Recruiting cost per hire (money).")
    review_days: int = Field(
        28, ge=1, description="Days between order-up-to reviews, held at the midnights starting days k, 2k, ... "
        "(order_up_to only)."
    )
    level: NonNegative | None = Field(
        None, description="Order-up-to level at day 0 (proficient FTE: sum of p); required for order_up_to."
    )
    level_growth_per_year: Annotated[float, Field(gt=-1.0)] = Field(
        0.0, description="Compound growth of the level per 365 days: level x (1 + this)^(day / 365)."
    )
    class_capacity: int | None = Field(
        None, ge=1, description="Most hires one review may order (agents); null: unlimited (order_up_to only)."
    )
    pipeline_p: Annotated[float, Field(gt=0.0, le=1.0)] | None = Field(
        None, description="Proficiency at which a hire in the pipeline (recruiting or classroom) counts toward "
        "the position; null: the entry proficiency p0 of the site's training (order_up_to only)."
    )

    @model_validator(mode="after")
    def _order_up_to(self) -> Hiring:
        if self.policy == "order_up_to" and self.level is None:
            raise ValueError("level (proficient FTE) is required with policy order_up_to")
        return self


class Pay(ConfigModel):
    """What a site costs: wages for paid hours, or a vendor's price per hour or per handled call."""

    wage_per_hour: NonNegative = Field(
        0.0, description="Cost per paid agent-hour (money/h): scheduled, classroom and overtime hours."
    )
    overtime_premium: NonNegative = Field(0.5, description="Overtime hours cost (1 + this) x wage_per_hour.")
    overhead_per_hour: NonNegative = Field(
        0.0, description="Cost per paid agent-hour beyond wages (money/h): seat, IT, management; 0 for a vendor "
        "whose price includes it."
    )
    price_per_call: NonNegative = Field(0.0, description="Cost per handled contact (money), e.g. a vendor price.")


class InitialWorkforce(ConfigModel):
    """Tenure of the agents present on day 0 (see docs/model.md, Initial workforce)."""

    mean_tenure_days: Positive | None = Field(
        None, description="Mean of the exponential tenure draw (days); null: 1/h0, the steady state of quits."
    )
    calls_per_day: NonNegative = Field(
        35.0, description="Calls handled per calendar day on the floor, to turn tenure into learning."
    )


class SkillGroup(ConfigModel):
    """Agents of a site who handle the same channels."""

    name: str = Field(description="Unique name of the group within the site.")
    channels: list[Channel] = Field(min_length=1, description="Channels the group's agents handle.")
    share: Probability = Field(description="Share of the site's agents in the group; shares sum to 1.")


class Staffing(ConfigModel):
    """Agents on the phones per interval and weekday: a staffing plan that replaces the roster's shifts.

    Each day the site's agents on the floor and present are taken in a fixed order (agent
    index) and the first ``n`` of them staff an interval whose count is ``n``; an agent's
    consecutive intervals form one spell on the floor (no breaks: the counts are agents on the
    phones). Agents are paid for the intervals they staff. Written by ``callsim plan staffing``.
    """

    interval_min: Literal[5, 10, 15, 20, 30, 60] = Field(30, description="Length of each count's interval (minutes).")
    agents: dict[Weekday, list[Annotated[int, Field(ge=0)]]] = Field(
        description="Agents on the phones per interval of the day, from midnight, per weekday (24 x 60 / "
        "interval_min counts); a weekday left out has none."
    )

    @model_validator(mode="after")
    def _lengths(self) -> Staffing:
        n = intervals_per_day(self.interval_min)
        for wd, counts in self.agents.items():
            if len(counts) != n:
                raise ValueError(f"agents.{wd}: expected {n} counts (one per {self.interval_min}-minute interval), "
                                 f"got {len(counts)}")
        return self

    def table(self) -> dict[str, list[int]]:
        """Counts per interval for every weekday (zeros for those left out)."""
        n = intervals_per_day(self.interval_min)
        return {wd: list(self.agents.get(wd, [0] * n)) for wd in WEEKDAYS}  # type: ignore[call-overload]


class Site(ConfigModel):
    """A pool of agents with its own queue, roster and policies."""

    name: str = Field(description="Unique site name.")
    kind: Literal["inhouse", "outsourced"] = Field(
        "inhouse", description="inhouse: the organisation's own centre; outsourced: a vendor. Selects the site's "
        "calibration targets (callsim calibrate)."
    )
    agents: int = Field(ge=0, description="Headcount of agents.")
    line_limit: int | None = Field(
        None, ge=0, description="Maximum waiting callers; further callers get a busy signal."
    )
    agent_selection: Literal["longest_idle", "least_fatigued", "most_proficient", "random"] = Field(
        "longest_idle", description="Which idle agent takes the next call."
    )
    resolution_multiplier: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0, description="Multiplier on resolution (knowledge or language gap below 1)."
    )
    absence_p: Probability = Field(0.0, description="Probability an agent is absent on a scheduled day.")
    leave_days_per_year: NonNegative = Field(
        0.0, description="Paid leave (vacation and holidays) of a full-time (5-day) agent per year (days), "
        "pro rata for shorter weeks; taken on random scheduled days: paid, off the phones, not an absence."
    )
    recognition: Probability = Field(0.0, description="Recognition level in [0, 1]: relieves burnout, retains.")
    initial_proficiency: tuple[Probability, Probability] | None = Field(
        None, description="If set, day-0 agents are tenured, on the floor, with p ~ Uniform[low, high]; "
        "null: the tenure rule of initial_workforce."
    )
    initial_workforce: InitialWorkforce = Field(default_factory=InitialWorkforce)
    roster: Roster = Field(description="Shifts and breaks.")
    staffing: Staffing | None = Field(
        None, description="Agents on the phones per interval and weekday (e.g. from callsim plan staffing); "
        "replaces the roster's shifts and breaks; null: the roster.",
    )
    skills: list[SkillGroup] | None = Field(
        None, description="Skill groups (channels and share of agents); null: every agent handles every channel."
    )
    supervisors: Supervisors = Field(default_factory=Supervisors)
    training: Training = Field(default_factory=Training)
    kpi: Kpi = Field(default_factory=Kpi)
    attrition: Attrition = Field(default_factory=Attrition)
    hiring: Hiring = Field(default_factory=Hiring)
    pay: Pay = Field(default_factory=Pay)

    @field_validator("initial_proficiency")
    @classmethod
    def _range(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and v[0] > v[1]:
            raise ValueError(f"expected low <= high, got {list(v)}")
        return v

    @field_validator("skills")
    @classmethod
    def _skills(cls, v: list[SkillGroup] | None) -> list[SkillGroup] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("expected at least one skill group, or null for all channels")
        names = [g.name for g in v]
        if len(set(names)) != len(names):
            raise ValueError(f"skill group names must be unique, got {names}")
        total = sum(g.share for g in v)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"shares must sum to 1, got {total:.6g}")
        return v

    def handles(self, channel: str) -> bool:
        """Whether some agents of the site handle ``channel``."""
        return self.skills is None or any(channel in g.channels for g in self.skills)


class Routing(ConfigModel):
    """How an arriving call picks a site."""

    policy: Literal["split", "overflow"] = Field(
        "split", description="split: fixed shares; overflow: first site first, then the next."
    )
    shares: dict[str, Probability] | None = Field(
        None, description="split: share per site name (default: all to the first site)."
    )
    overflow_queue_min: int = Field(
        0, ge=0, description="overflow: send on when no agent is free and the queue has this many."
    )


# --------------------------------------------------------------------------- behaviour


class Fatigue(ConfigModel):
    """Intraday fatigue F: grows with each call's load, decays while not on a call."""

    load_per_call: NonNegative = Field(0.0, description="Load of an ordinary call (F added per call).")
    irate_load_multiplier: NonNegative = Field(3.0, description="Load multiplier for irate calls.")
    failed_load_multiplier: NonNegative = Field(
        1.0, description="Load multiplier for calls the agent did not resolve (unresolved or escalated)."
    )
    coping: Probability = Field(0.5, description="Share of load a fully proficient agent shrugs off.")
    recovery_tau_s: Positive = Field(1800.0, description="Decay time constant while idle on the floor (seconds).")
    rest_tau_s: Positive | None = Field(
        None, description="Decay time constant on a rest break and off shift (seconds); null: recovery_tau_s."
    )


class Burnout(ConfigModel):
    """Slow burnout B, updated at the end of each day."""

    tau_days: Positive = Field(30.0, description="B decays as exp(-1/tau_days) per day (days).")
    load_weight: NonNegative = Field(
        0.0, description="B += this x the day's load (sum of its calls' loads, as added to F) at the end of "
        "a working day."
    )
    kpi_weight: NonNegative = Field(0.0, description="B += this at each missed KPI review.")
    recognition_relief: NonNegative = Field(0.0, description="B -= this x recognition each working day.")
    absence_weight: NonNegative = Field(0.0, description="Absence probability x (1 + this x B).")


class Behaviour(ConfigModel):
    """How proficiency, fatigue, anger and pressure shape a call. Shared by all sites."""

    novice_slowdown: NonNegative = Field(1.0, description="Handle time x (1 + this x (1 - p)).")
    fatigue_slowdown: NonNegative = Field(0.0, description="Handle time x (1 + this x F).")
    irate_handle_multiplier: Positive = Field(1.3, description="Handle time multiplier for irate callers.")
    rush_strength: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="Handle time x (1 - this x r), r = pressure; below 1 so handle times stay positive."
    )
    fcr_floor: Probability = Field(0.5, description="Resolution x (floor + (1 - floor) x p).")
    fatigue_error: Probability = Field(0.0, description="Resolution x (1 - this x F).")
    rush_fcr_penalty: Probability = Field(0.0, description="Resolution x (1 - this x r).")
    novice_escalation: NonNegative = Field(1.0, description="Escalation x (1 + this x (1 - p)).")
    irate_escalation_multiplier: NonNegative = Field(1.5, description="Escalation multiplier if irate.")
    detect_floor: Probability = Field(0.3, description="Scam detection = floor + (1 - floor) x p.")
    scam_detected_handle_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.3, description="A detected scam ends after this fraction of its handle time (> 0)."
    )
    learning_calls: Positive | None = Field(
        500.0, description="p <- 1 - (1 - p) exp(-1/learning_calls) per call; null: no learning."
    )
    frailty_cv: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="Coefficient of variation of each agent's frailty z (the inverse of resilience), "
        "Gamma with mean 1 drawn at hire; z multiplies the agent's load and quit hazard. 0: all agents alike."
    )
    fatigue: Fatigue = Field(default_factory=Fatigue)
    burnout: Burnout = Field(default_factory=Burnout)


class Money(ConfigModel):
    """Costs that do not belong to a site's pay."""

    currency: str = Field("USD", description="Label of the money unit in tables and plots.")
    fraud_loss_per_scam: NonNegative = Field(0.0, description="Loss per scam the agent missed (money).")
    abandoned_call_cost: NonNegative = Field(
        0.0, description="Cost per abandoned contact (money): lost business or the callback it causes."
    )


# --------------------------------------------------------------------------- scenario


class Scenario(ConfigModel):
    """A complete scenario: horizon, demand, sites, routing and agent behaviour."""

    name: str = Field("scenario", description="Scenario name used in tables and plots.")
    days: Positive = Field(description="Horizon (days, may be fractional).")
    warmup_days: NonNegative = Field(0.0, description="Initial days excluded from reported metrics.")
    spinup_days: int = Field(
        0, ge=0, description="Days the scenario runs before day 0 to reach its own long-run workforce "
        "(tenure, proficiency, burnout, hiring pipeline), cached by config hash in $CALLSIM_CACHE or "
        "~/.cache/callsim; 0: start from the analytic initial workforce. "
        "A multiple of 7 and of every site's review_days, class_interval_days and (order_up_to) "
        "hiring.review_days, so weekdays, reviews and classes keep their phase.",
    )
    start_weekday: Weekday = Field("mon", description="Weekday of day 0.")
    interval_min: Literal[5, 10, 15, 20, 30, 60] = Field(15, description="Metric interval (minutes).")
    sl_threshold_s: NonNegative = Field(20.0, description="Service-level threshold T (seconds).")
    demand: Demand
    sites: list[Site] = Field(description="Sites; the first is the in-house site for overflow.")
    routing: Routing = Field(default_factory=Routing)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    money: Money = Field(default_factory=Money)
    channels: Channels = Field(default_factory=Channels)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)

    @field_validator("sites")
    @classmethod
    def _sites(cls, v: list[Site]) -> list[Site]:
        if not v:
            raise ValueError("at least one site is required")
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError(f"site names must be unique, got {names}")
        return v

    @model_validator(mode="after")
    def _consistency(self) -> Scenario:
        errors: list[tuple[str, str]] = []
        if self.warmup_days >= self.days:
            errors.append(("warmup_days", f"must be below days ({self.days:g}), got {self.warmup_days:g}"))
        cycles = {7} | {s.kpi.review_days for s in self.sites} | {
            s.training.class_interval_days for s in self.sites if s.training.class_interval_days} | {
            s.hiring.review_days for s in self.sites if s.hiring.policy == "order_up_to"}
        period = math.lcm(*cycles)
        if self.spinup_days % period:
            errors.append(("spinup_days", f"must be a multiple of {period} (weekdays, KPI reviews, classes and "
                           f"hiring reviews keep their phase), got {self.spinup_days}"))
        names = [s.name for s in self.sites]
        shares = self.routing.shares
        if shares is not None:
            unknown = sorted(set(shares) - set(names))
            if unknown:
                errors.append(("routing.shares", f"unknown sites {unknown}; expected names among {names}"))
            total = sum(shares.values())
            if not math.isclose(total, 1.0, abs_tol=1e-6):
                errors.append(("routing.shares", f"shares must sum to 1, got {total:.6g}"))
        n_profile = len(self.demand.intraday_profile)
        if n_profile not in (24, intervals_per_day(self.interval_min)):
            errors.append((
                "demand.intraday_profile",
                f"expected 24 hourly weights or {intervals_per_day(self.interval_min)} per interval, got {n_profile}",
            ))
        errors += self._channel_errors()
        if errors:
            raise ValueError("; ".join(f"{p}: {m}" for p, m in errors))
        return self

    def _channel_errors(self) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        used = self.channels_used
        for s in self.sites:
            missing = [ch for ch in used if not s.handles(ch)]
            if missing:
                errors.append((f"sites.{s.name}.skills", f"no agent handles {missing}, which call types use"))
        chat = self.channels.chat
        if "chat" in used and len(chat.capacity) < chat.max_concurrency:
            errors.append(("channels.chat.capacity", f"expected at least max_concurrency = {chat.max_concurrency} "
                           f"entries, got {len(chat.capacity)}"))
        email = self.channels.email
        voice = [t.name for t in self.demand.call_types if t.channel == "voice"]
        if email.chase_p > 0 and "email" in used:
            if email.chase_after_h is None:
                errors.append(("channels.email.chase_after_h", "required when chase_p > 0"))
            if not voice:
                errors.append(("channels.email.chase_p", "needs a voice call type for the phone call"))
            elif email.chase_type is not None and email.chase_type not in voice:
                errors.append(("channels.email.chase_type", f"expected a voice call type among {voice}, "
                               f"got {email.chase_type!r}"))
        return errors

    @property
    def channel_targets_s(self) -> dict[str, float]:
        """Each channel's target T (seconds).

        Voice ``sl_threshold_s``, chat its first-response threshold, email ``target_h`` x 3600.
        """
        return {"voice": self.sl_threshold_s, "chat": self.channels.chat.sl_threshold_s,
                "email": self.channels.email.target_h * 3600.0}

    @property
    def channels_used(self) -> list[str]:
        """Channels of the call types, in :data:`CHANNELS` order."""
        present = {t.channel for t in self.demand.call_types}
        return [ch for ch in CHANNELS if ch in present]

    @property
    def site_names(self) -> list[str]:
        """Site names in configuration order."""
        return [s.name for s in self.sites]

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved configuration as plain JSON-compatible data."""
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------- loading


def _parse_path(key: str) -> list[str]:
    parts = key.split(".")
    if not key or any(p == "" for p in parts):
        raise ConfigError([(key or "<empty>", "expected a dotted path such as demand.calls_per_day")])
    return parts


def _step(node: Any, part: str, path: str) -> tuple[Any, Any]:
    """Return ``(container, key)`` addressing ``part`` inside ``node``."""
    if isinstance(node, list):
        if part.lstrip("-").isdigit():
            index = int(part)
            if not -len(node) <= index < len(node):
                raise ConfigError([(path, f"index {index} out of range (list of {len(node)})")])
            return node, index
        for i, item in enumerate(node):
            if isinstance(item, dict) and item.get("name") == part:
                return node, i
        names = [item.get("name") for item in node if isinstance(item, dict)]
        raise ConfigError([(path, f"no item named {part!r}; expected an index or one of {names}")])
    if isinstance(node, dict):
        return node, part
    raise ConfigError([(path, "cannot descend into a scalar value")])


def lookup(data: Any, key: str) -> Any:
    """Value at a dotted ``key`` of plain config data (list items by index or by name).

    A key missing from a mapping gives None (an optional field left out).

    Raises:
        ConfigError: for a list index out of range, an unknown item name, or a path through a scalar.
    """
    node = data
    parts = _parse_path(key)
    for depth, part in enumerate(parts):
        container, k = _step(node, part, ".".join(parts[: depth + 1]))
        node = container[k] if isinstance(container, list) else container.get(k)
    return node


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a deep copy of ``raw`` with dotted-path ``overrides`` applied.

    String values are parsed as YAML (``"9000"`` becomes an int, ``"[1, 2]"`` a list), so
    command-line ``--set`` values and Python values behave alike. Missing intermediate
    mappings are created; the schema then rejects unknown keys by their path.
    """
    out = copy.deepcopy(raw)
    for key, value in overrides.items():
        parts = _parse_path(key)
        if isinstance(value, str):
            value = yaml.safe_load(value) if value.strip() else value
        node: Any = out
        for depth, part in enumerate(parts[:-1]):
            container, k = _step(node, part, ".".join(parts[: depth + 1]))
            if isinstance(container, dict) and k not in container:
                container[k] = {}
            node = container[k]
        container, k = _step(node, parts[-1], key)
        container[k] = value
    return out


def _named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and "name" in i for i in items)


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``base``: mappings recursively, lists of named items by name.

    An item of a named list (sites, shifts, call types) in ``extra`` updates the base item
    of the same name, or is appended if the name is new; any other value replaces the base.
    """
    out = copy.deepcopy(base)
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        elif _named(v) and _named(out.get(k)):
            index = {item["name"]: i for i, item in enumerate(out[k])}
            for item in v:
                if item["name"] in index:
                    out[k][index[item["name"]]] = _deep_merge(out[k][index[item["name"]]], item)
                else:
                    out[k].append(copy.deepcopy(item))
        else:
            out[k] = copy.deepcopy(v)
    return out


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a scenario file, resolving ``extends:`` chains (paths relative to the file).

    The file's content is merged into its parent's with :func:`_deep_merge`, so a child
    states only what differs, and a site or call type is changed by naming it.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError([("<file>", f"no such file: {path}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([("<file>", f"not valid YAML: {exc}")], str(path)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([("<root>", f"expected a mapping, got {type(data).__name__}")], str(path))
    parent = data.pop("extends", None)
    if parent is not None:
        data = _deep_merge(read_yaml(path.parent / str(parent)), data)
    return data


_DIST_TAGS = frozenset({"exponential", "lognormal", "gamma", "weibull", "deterministic", "none"})


def _dotted(loc: tuple[int | str, ...], raw: Any) -> str:
    """Dotted path of a pydantic error location, dropping union-tag noise."""
    parts: list[str] = []
    node = raw
    for item in loc:
        is_tag = isinstance(item, str) and item in _DIST_TAGS
        if is_tag and not (isinstance(node, dict) and item in node):
            continue
        parts.append(str(item))
        if isinstance(node, dict):
            node = node.get(item)
        elif isinstance(node, list) and isinstance(item, int) and item < len(node):
            node = node[item]
        else:
            node = None
    return ".".join(parts) or "<root>"


_SUBPATH = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*")


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_model(
    model: type[ModelT], raw: Mapping[str, Any], source: str | None = None,
    error: Callable[[list[tuple[str, str]], str | None], ConfigError] = ConfigError,
) -> ModelT:
    """Validate plain data into ``model``, raising ``error`` (a :class:`ConfigError`) with dotted paths.

    Every pydantic error becomes a ``(dotted path, message)`` pair: unknown keys are named
    as such, and cross-field messages worded ``"sub.path: what"`` point at their sub-path.
    """
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            path = _dotted(tuple(err["loc"]), raw)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                errors.append((path, "unknown key"))
                continue
            if err["type"] == "value_error":
                # Cross-field validators word their messages "sub.path: what; other.path: what".
                for part in msg.split("; "):
                    sub, sep, text = part.partition(": ")
                    if sep and _SUBPATH.fullmatch(sub):
                        errors.append((sub if path == "<root>" else f"{path}.{sub}", text))
                    else:
                        errors.append((path, part))
                continue
            if err["type"] == "union_tag_not_found":
                msg = f"missing 'dist': expected one of {sorted(_DIST_TAGS)}"
            if "input" in err and err["type"] != "missing" and not isinstance(err["input"], dict):
                msg = f"{msg} (got {err['input']!r})"
            errors.append((path, msg))
        raise error(errors, source) from None


def validate(raw: Mapping[str, Any], source: str | None = None) -> Scenario:
    """Validate plain data into a :class:`Scenario`, raising :class:`ConfigError`."""
    return parse_model(Scenario, raw, source)


def load_config(
    source: str | Path | Mapping[str, Any], *, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Load and validate a scenario.

    Args:
        source: A YAML file path, or a mapping with the scenario's data.
        overrides: Dotted-path overrides applied before validation,
            e.g. ``{"days": 90, "sites.inhouse.agents": 80}``.

    Returns:
        The validated, immutable :class:`Scenario`.

    Raises:
        ConfigError: naming each invalid field by its dotted path.
    """
    if isinstance(source, Mapping):
        raw, name = copy.deepcopy(dict(source)), None
    else:
        raw, name = read_yaml(source), str(source)
    raw = apply_overrides(raw, overrides or {})
    return validate(raw, name)


def parse_set_options(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Parse ``KEY=VALUE`` strings from ``--set`` options into an overrides mapping."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError([(item, "expected KEY=VALUE, e.g. demand.calls_per_day=9000")])
        out[key.strip()] = value
    return out


def erlang_scenario(
    *,
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    patience_s: float | None = None,
    hours: float = 24.0,
    warmup_h: float = 2.0,
    sl_target_s: float = 20.0,
) -> Scenario:
    """The M/M/n (+M) scenario of Erlang C (or A) with every behavioural mechanism off.

    Stationary Poisson arrivals, exponential handle times (and patience), one site whose
    agents are on the floor around the clock.

    Args:
        calls_per_hour: Arrival rate (calls/h).
        aht_s: Mean handle time (s).
        agents: Agents, all on the floor around the clock.
        patience_s: Mean patience (s); None means callers never abandon (Erlang C).
        hours: Measured hours after warm-up.
        warmup_h: Warm-up hours excluded from the metrics.
        sl_target_s: Service-level threshold T (s).
    """
    patience: dict[str, Any] = {"dist": "none"} if patience_s is None else {"dist": "exponential", "mean_s": patience_s}
    return validate({
        "name": "erlang",
        "days": (hours + warmup_h) / 24.0,
        "warmup_days": warmup_h / 24.0,
        "sl_threshold_s": sl_target_s,
        "demand": {
            "mode": "stationary",
            "calls_per_hour": calls_per_hour,
            "call_types": [{"name": "call", "share": 1.0, "handle_time": {"dist": "exponential", "mean_s": aht_s},
                            "fcr": 1.0, "irate_p": 0.0, "escalation_p": 0.0}],
            "patience": patience,
        },
        "sites": [{"name": "site", "agents": agents, "roster": {"shifts": [
            {"name": "always", "start_h": 0, "length_h": 24, "weekdays": list(WEEKDAYS), "share": 1.0}]}}],
        "behaviour": {"novice_slowdown": 0.0, "learning_calls": None, "novice_escalation": 0.0},
    }, "erlang scenario")
