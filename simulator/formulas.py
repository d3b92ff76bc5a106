"""The per-contact equations (``docs/model.md`` section 4.6), written once.

At the answer of a contact the engine asks :class:`ContactModel` for the caller's anger, the
handle time, and the probabilities of scam detection, escalation and resolution; it then
compares each probability with the caller's pre-drawn uniform (``u < probability``).

Every probability returned here lies in [0, 1] and the handle-time multiplier is positive
for any valid configuration and any agent state, however large fatigue ``F`` grows:

- irate: ``min(1, irate_p(type) + anger_per_s x wait_s)``;
- handle time: ``base x (1 + novice_slowdown (1 - p)) x (1 + fatigue_slowdown F) x
  (1 - rush_strength r) x irate_handle_multiplier [if irate]``, with ``p, r`` in [0, 1],
  ``rush_strength < 1`` (schema) and ``F >= 0``, so every factor is positive;
- scam detection: ``detect_floor + (1 - detect_floor) p``;
- escalation: ``min(1, escalation_p(type) (1 + novice_escalation (1 - p)) x
  irate_escalation_multiplier [if irate])``;
- resolution: ``fcr(type) x resolution_multiplier(site) x (fcr_floor + (1 - fcr_floor) p) x
  max(0, 1 - fatigue_error F) x (1 - rush_fcr_penalty r)``;
- load of a finished call (added to fatigue and to the day's load): ``load_per_call x
  irate_load_multiplier [if irate] x failed_load_multiplier [if not resolved] x
  (1 - coping p) x z``, with ``z`` the agent's frailty; non-negative.

- satisfaction of a handled, non-scam contact: ``min(1, base x channel_multiplier x
  unresolved_multiplier [if not resolved and not escalated] x escalated_multiplier [if escalated]
  x irate_multiplier [if irate] x repeat_multiplier [if attempt > 0] x (1 - wait_penalty w) x
  (1 - novice_penalty (1 - p)) x (1 - rush_penalty r))``, ``w = clip((wait / T - free) /
  (full - free), 0, 1)`` with ``T`` the channel's target and ``free``, ``full`` the
  ``wait_free_multiple``, ``wait_full_multiple``; in [0, 1];
- a chat's resolution is further ``x (1 - fcr_penalty (m - 1))`` and its load
  ``x (1 + load_per_extra_chat (m - 1))``, ``m >= 1`` its time-averaged concurrency.

Clipping changes no decision (``u < min(1, x)`` is ``u < x`` for ``u`` in [0, 1)), so a
run is identical to one with the unclipped expressions; it makes the probabilities
themselves meaningful wherever they are reported or reused.
"""

from __future__ import annotations

from . import config as C
from .units import MINUTE_S


class ContactModel:
    """The constants of the per-contact equations of one scenario, and the equations.

    Args:
        cfg: The scenario (``behaviour``, ``demand.call_types``, ``demand.anger_per_min``).
    """

    __slots__ = (
        "anger_per_s", "detect_floor", "escalation_p", "fatigue_error", "fatigue_slowdown", "fcr", "fcr_floor",
        "irate_escalation", "irate_handle", "irate_p", "novice_escalation", "novice_slowdown", "rush_fcr",
        "rush_strength", "scam_fraction", "load_per_call", "irate_load", "failed_load", "coping",
        "sat_channel", "sat_factors", "wait_target_s", "chat_fcr_penalty", "chat_extra_load",
    )

    def __init__(self, cfg: C.Scenario) -> None:
        b = cfg.behaviour
        types = cfg.demand.call_types
        self.irate_p = [t.irate_p for t in types]
        """Irate probability before waiting, per call type."""
        self.fcr = [t.fcr for t in types]
        """Base first-contact resolution, per call type."""
        self.escalation_p = [t.escalation_p for t in types]
        """Base escalation probability, per call type."""
        self.anger_per_s = cfg.demand.anger_per_min / MINUTE_S
        """Irate probability added per second waited."""
        self.novice_slowdown, self.fatigue_slowdown = b.novice_slowdown, b.fatigue_slowdown
        self.rush_strength, self.irate_handle = b.rush_strength, b.irate_handle_multiplier
        self.detect_floor, self.scam_fraction = b.detect_floor, b.scam_detected_handle_fraction
        self.novice_escalation, self.irate_escalation = b.novice_escalation, b.irate_escalation_multiplier
        self.fcr_floor, self.fatigue_error, self.rush_fcr = b.fcr_floor, b.fatigue_error, b.rush_fcr_penalty
        f = b.fatigue
        self.load_per_call = f.load_per_call
        self.irate_load, self.failed_load, self.coping = f.irate_load_multiplier, f.failed_load_multiplier, f.coping
        s = cfg.satisfaction
        self.sat_channel = [s.base * s.channel_multiplier.get(ch, 1.0) for ch in C.CHANNELS]  # type: ignore[call-overload]
        """Satisfaction before the contact's own factors, per channel index (``config.CHANNELS`` order)."""
        ch = cfg.channels
        self.wait_target_s = [cfg.channel_targets_s[name] for name in C.CHANNELS]
        """The target ``T`` of the wait penalty per channel index (seconds)."""
        self.chat_fcr_penalty, self.chat_extra_load = ch.chat.fcr_penalty, ch.chat.load_per_extra_chat
        self.sat_factors = (s.escalated_multiplier, s.unresolved_multiplier, s.irate_multiplier, s.repeat_multiplier,
                            s.wait_penalty, s.wait_free_multiple, s.wait_full_multiple, s.novice_penalty,
                            s.rush_penalty)
        """The satisfaction equation's constants after ``attempt .. r`` (:func:`satisfaction`'s order)."""

    def irate_probability(self, ctype: int, wait_s: float) -> float:
        """Probability that a caller of type ``ctype`` who waited ``wait_s`` seconds is irate."""
        return irate_probability(self.irate_p[ctype], self.anger_per_s, wait_s)

    def handle_time_s(self, base_s: float, p: float, f: float, r: float, irate: bool) -> float:
        """Handle time (seconds) of a base draw ``base_s`` for proficiency ``p``, fatigue ``f``, pressure ``r``."""
        return handle_time_s(base_s, p, f, r, irate, self.novice_slowdown, self.fatigue_slowdown, self.rush_strength,
                             self.irate_handle)

    def detection_probability(self, p: float) -> float:
        """Probability that an agent of proficiency ``p`` detects a scam."""
        return detection_probability(p, self.detect_floor)

    def escalation_probability(self, ctype: int, p: float, irate: bool) -> float:
        """Probability that a non-scam contact of type ``ctype`` is escalated."""
        return escalation_probability(self.escalation_p[ctype], p, irate, self.novice_escalation,
                                      self.irate_escalation)

    def resolution_probability(self, ctype: int, site_multiplier: float, p: float, f: float, r: float) -> float:
        """Probability that a contact that is not escalated is resolved on this contact."""
        return resolution_probability(self.fcr[ctype], site_multiplier, p, f, r, self.fcr_floor, self.fatigue_error,
                                      self.rush_fcr)

    def load(self, p: float, irate: bool, failed: bool, frailty: float) -> float:
        """Load of a call for an agent of proficiency ``p`` and frailty ``frailty``.

        ``failed``: the agent did not resolve the caller (unresolved or escalated).
        """
        return contact_load(p, irate, failed, frailty, self.load_per_call, self.coping, self.irate_load,
                            self.failed_load)

    def satisfaction(
        self, channel: int, attempt: int, wait_s: float, resolved: bool, escalated: bool, irate: bool,
        p: float, r: float,
    ) -> float:
        """Probability that the customer of a handled, non-scam contact is satisfied.

        ``channel``: index in ``config.CHANNELS``; ``attempt``: earlier contacts of the same
        caller; ``wait_s``: the queue wait (voice, chat) or the response time (email).
        """
        return satisfaction(self.sat_channel[channel], self.wait_target_s[channel], attempt, wait_s, resolved,
                            escalated, irate, p, r, *self.sat_factors)

    def chat_resolution_factor(self, m: float) -> float:
        """Resolution factor of a chat of time-averaged concurrency ``m >= 1``, in [0, 1]."""
        return chat_resolution_factor(m, self.chat_fcr_penalty)

    def chat_load_factor(self, m: float) -> float:
        """Load factor of a chat of time-averaged concurrency ``m >= 1``."""
        return chat_load_factor(m, self.chat_extra_load)


# Plain scalar functions: the SimPy engine calls them through ContactModel, the compiled
# engine compiles these same functions (numba), so each equation is written once.


def irate_probability(irate_p: float, anger_per_s: float, wait_s: float) -> float:
    """``min(1, irate_p + anger_per_s x wait_s)``."""
    return min(1.0, irate_p + anger_per_s * wait_s)


def handle_time_s(
    base_s: float, p: float, f: float, r: float, irate: bool, novice_slowdown: float, fatigue_slowdown: float,
    rush_strength: float, irate_handle: float,
) -> float:
    """``base (1 + novice_slowdown (1 - p)) (1 + fatigue_slowdown F) (1 - rush_strength r) x irate_handle [irate]``."""
    ht = base_s * (1.0 + novice_slowdown * (1.0 - p))
    if f:
        ht *= 1.0 + fatigue_slowdown * f
    if r:
        ht *= 1.0 - rush_strength * r
    if irate:
        ht *= irate_handle
    return ht


def detection_probability(p: float, detect_floor: float) -> float:
    """``detect_floor + (1 - detect_floor) p``."""
    return detect_floor + (1.0 - detect_floor) * p


def escalation_probability(
    escalation_p: float, p: float, irate: bool, novice_escalation: float, irate_escalation: float
) -> float:
    """``min(1, escalation_p (1 + novice_escalation (1 - p)) x irate_escalation [if irate])``."""
    p_esc = escalation_p * (1.0 + novice_escalation * (1.0 - p))
    if irate:
        p_esc *= irate_escalation
    return min(1.0, p_esc)


def resolution_probability(
    fcr: float, site_multiplier: float, p: float, f: float, r: float, fcr_floor: float, fatigue_error: float,
    rush_fcr: float,
) -> float:
    """``fcr x site_multiplier x (fcr_floor + (1 - fcr_floor) p) x max(0, 1 - fatigue_error F) x (1 - rush_fcr r)``."""
    return (fcr * site_multiplier * (fcr_floor + (1.0 - fcr_floor) * p)
            * max(0.0, 1.0 - fatigue_error * f) * (1.0 - rush_fcr * r))


def contact_load(
    p: float, irate: bool, failed: bool, frailty: float, load_per_call: float, coping: float, irate_load: float,
    failed_load: float,
) -> float:
    """``load_per_call (1 - coping p) z x irate_load [if irate] x failed_load [if failed]``."""
    x = load_per_call * (1.0 - coping * p) * frailty
    if irate:
        x *= irate_load
    if failed:
        x *= failed_load
    return x


def satisfaction(
    base: float, target_s: float, attempt: int, wait_s: float, resolved: bool, escalated: bool, irate: bool,
    p: float, r: float, escalated_m: float, unresolved_m: float, irate_m: float, repeat_m: float,
    wait_penalty: float, free: float, full: float, novice_penalty: float, rush_penalty: float,
) -> float:
    """Satisfaction of a handled, non-scam contact (module docstring); ``base`` includes the channel multiplier."""
    x = base
    if escalated:
        x *= escalated_m
    elif not resolved:
        x *= unresolved_m
    if irate:
        x *= irate_m
    if attempt:
        x *= repeat_m
    if wait_s > target_s * free:
        w = (wait_s / target_s - free) / (full - free) if target_s > 0 else 1.0
        x *= 1.0 - wait_penalty * min(w, 1.0)
    return min(1.0, x * (1.0 - novice_penalty * (1.0 - p)) * (1.0 - rush_penalty * r))


def chat_resolution_factor(m: float, fcr_penalty: float) -> float:
    """``max(0, 1 - fcr_penalty (m - 1))``."""
    return max(0.0, 1.0 - fcr_penalty * (m - 1.0))


def chat_load_factor(m: float, load_per_extra_chat: float) -> float:
    """``1 + load_per_extra_chat (m - 1)``."""
    return 1.0 + load_per_extra_chat * (m - 1.0)
