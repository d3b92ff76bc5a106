"""The call flow: contacts from arrival to their end, for voice, chat, email and supervisors.

Arrivals go to a site (the router) and to an idle agent with the skill, or wait: voice calls
in FCFS queues per priority class (or a busy signal), chats in their queue, emails in the
backlog. :meth:`CallFlow.available` decides what a free agent takes next (a call, then chats,
then, once idle, emails). Handle time and outcome come from :mod:`simulator.formulas`; chats
share their agent's capacity (processor sharing); escalations wait for supervisors;
unresolved and abandoned callers may call again. Equations: ``docs/model.md`` 3-4, 10-11.

In SimPy the cost is in events, so a call costs one arrival event, one service-end event
and, only if it waits with finite patience, one patience timer; a call answered before its
patience runs out leaves a stale timer that does nothing when it fires.

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
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import Any, cast

import numpy as np
import simpy
from simpy.events import Event, Timeout

from .. import config as C
from .. import workforce as W
from ..demand import DECISIONS, DayCallers, OpeningCalendar
from ..formulas import ContactModel
from ..routing import SITE_ROUTERS
from .floor import Floor
from .recorder import (
    K_ABANDONED,
    K_BLOCKED,
    K_BUSY_S,
    K_CHAT_ABANDONED,
    K_CHAT_AGENT_S,
    K_CHAT_OFFERED,
    K_CHAT_S,
    K_CSAT_N,
    K_CSAT_SUM,
    K_EMAIL_ARRIVED,
    K_EMAIL_CHASED,
    K_ESCALATIONS,
    K_HANDLE_S,
    K_HANDLED,
    K_IRATE,
    K_KIND,
    K_OFFERED,
    K_RESOLVABLE,
    K_RESOLVED,
    K_RESPONSES,
    K_SATISFIED,
    K_SCAMS,
    K_SCAMS_MISSED,
    K_SUP_ABANDONED,
    K_SUP_ANSWERED,
    K_SUP_RESOLVED,
    K_SUP_WAIT,
    K_SURVEYS,
    K_WAIT_AB,
    K_WAITED,
    NC,
    Recorder,
)
from .state import (
    ABANDONED,
    ANSWERED,
    BUSY,
    CHAT,
    CHATTING,
    EMAIL,
    EPS_S,
    ESCALATED,
    FIRST,
    OUTCOMES,
    REDIAL,
    REPEAT,
    RESOLVED,
    SCAM_DETECTED,
    SCAM_MISSED,
    SUP_ABANDONED,
    SUP_SERVED,
    SUP_WAITING,
    UNRESOLVED,
    VOICE,
    WAITING,
    Call,
    FlowSetup,
    FollowUps,
    SiteState,
)

_U = {name: i for i, name in enumerate(DECISIONS)}


class CallFlow:
    """The call flow of one replication: contacts from arrival to their end, and who takes them.

    Args:
        env: The run's SimPy environment.
        cfg: The scenario.
        setup: The flow's constants and event-loop streams.
        rec: The recorder.
        floor: The floor of agents; its ``serve`` is set to :meth:`available`.
        sites: The sites' runtime state.
        agents: The agent state.
        live: The per-call agent fields as lists.
        calendar: The opening hours (moves follow-ups into them).
        horizon_s: End of the horizon (seconds): no new contact arrives after it.
    """

    def __init__(
        self, env: simpy.Environment, cfg: C.Scenario, setup: FlowSetup, rec: Recorder, floor: Floor,
        sites: list[SiteState], agents: W.AgentState, live: W.LiveAgents, calendar: OpeningCalendar,
        horizon_s: float,
    ) -> None:
        self.env = env
        self.rec = rec
        self.counts = rec.counts
        """The recorder's counter buffer, incremented in place."""
        self.log = rec.log
        self.interval_s = rec.interval_s
        self.n_sites = rec.n_sites
        self.floor = floor
        floor.serve = self.available
        # The floor's per-agent lists, read and written here (grown in place by the floor).
        self.mode, self.pending, self.skill = floor.mode, floor.pending, floor.skill
        self.sites = sites
        self.agents = agents
        self.live = live
        self.calendar = calendar
        self.horizon_s = horizon_s
        n = len(agents)
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
        self.contact = ContactModel(cfg)
        u = setup
        self.learning_factor, self.fatigue_on, self.learning_on = u.learning_factor, u.fatigue_on, u.learning_on
        self.type_rank, self.scam_p, self.type_channel = u.type_rank, u.scam_p, u.type_channel
        self.patience = u.patience
        self.max_chats, self.chat_rate, self.email_reserve = u.max_chats, u.chat_rate, u.email_reserve
        self.chase_s, self.chase_p, self.chase_type, self.chase = u.chase_s, u.chase_p, u.chase_type, u.chase
        self.survey_share, self.response_p, self.unhappy_response_p = u.survey_share, u.response_p, u.unhappy_response_p
        self.surveys, self.redials, self.repeats = u.surveys, u.redials, u.repeats
        self.supervisor = u.supervisor
        self.router = SITE_ROUTERS[cfg.routing.policy](cfg)
        self.next_caller = 0
        self._day_calls: list[Call] = []
        self._day_t: list[float] = []
        self._day_i = 0

    def grow(self, n: int) -> None:
        """Extend the per-agent chat lists to ``n`` agents."""
        extra = n - len(self.chats)
        if extra > 0:
            self.chats += [[] for _ in range(extra)]
            self.chat_t += [0.0] * extra
            self.chat_int += [0.0] * extra
            self.chat_ver += [0] * extra
            self.chat_since += [0.0] * extra

    def in_system(self) -> bool:
        """Whether a voice call or chat waits or is served, an email is being answered, or a supervisor is busy.

        The email backlog is not drained: it waits for the next shift that will not come.
        """
        return (self.floor.working()
                or any(s.n_waiting or s.sup_busy or s.sup_waiting for s in self.sites))

    def _at(self, delay: float, callback: Any, value: Any) -> None:
        ev = Timeout(self.env, delay, value)
        ev.callbacks.append(callback)

    def load_day(self, day: DayCallers) -> None:
        """Create the day's base contacts and schedule their arrivals."""
        n = len(day)
        if n == 0:
            return
        is_scam = (day.u[_U["scam"]] < np.asarray(self.scam_p)[day.call_type]).tolist()
        first = self.next_caller
        self.next_caller += n
        u = day.u
        sup = zip(*[d.ppf(day.u_supervisor).tolist() for d in self.supervisor], strict=True)
        self._day_calls = list(map(
            Call, range(first, first + n), repeat(0), repeat(FIRST), day.call_type.tolist(),
            np.asarray(self.type_rank)[day.call_type].tolist(), day.t_s.tolist(), day.patience_s.tolist(),
            day.handle_s.tolist(), sup, u[_U["irate"]].tolist(), u[_U["resolve"]].tolist(),
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
        b = (int(now // self.interval_s) * self.n_sites + site.index) * NC
        call.bucket = b
        c = self.counts
        ch = call.channel
        if ch == EMAIL:
            self._offer_email(call, site, now)
            return
        c[b + K_OFFERED] += 1
        c[b + K_KIND[call.kind]] += 1
        if ch == CHAT:
            c[b + K_CHAT_OFFERED] += 1
            a = self._chat_agent(site, now)
            if a >= 0:
                self._start_chat(call, site, a, now)
                return
            site.n_chat_waiting += 1
            self.rec.queue_change(site, 1)
            site.chat_queue.append(call)
        else:
            a = self.floor.pick_idle(site, VOICE, now)
            if a >= 0:
                self._answer(call, site, a, now)
                return
            if site.line_limit is not None and site.n_waiting - site.n_chat_waiting >= site.line_limit:
                c[b + K_BLOCKED] += 1
                if self.log is not None:
                    self.rec.log_contact(call, 0.0, 0.0, "blocked")
                self._follow_up(call, self.redials, REDIAL)
                return
            self.rec.queue_change(site, 1)
            site.queues[call.rank].append(call)
        if call.patience_s != math.inf:
            Timeout(self.env, call.patience_s, call).callbacks.append(self._on_patience)

    def _offer_email(self, call: Call, site: SiteState, now: float) -> None:
        """An email joins the backlog, or goes to an idle agent if more than the reserve stay idle."""
        self.counts[call.bucket + K_EMAIL_ARRIVED] += 1
        if len(site.idle) > self.email_reserve:
            a = self.floor.pick_idle(site, EMAIL, now)
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
        now = self.env.now
        t = self.calendar.next_open(now)
        ct = self.chase_type
        call = Call(email.caller, email.attempt + 1, REPEAT, ct, self.type_rank[ct], t,
                    u.next_as(1), u.next_as(0), u.next_all(2, 2 + self.n_sites),
                    u.next(), u.next(), u.next(), u.next() < self.scam_p[ct], u.next(), u.next(), VOICE,
                    *self._survey_uniforms())
        if t < self.horizon_s:
            self.counts[email.bucket + K_EMAIL_CHASED] += 1
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

    def _on_patience(self, ev: Event) -> None:
        call = cast(Call, ev.value)
        if call.state != WAITING:
            return
        call.state = ABANDONED
        site = call.site
        self.rec.queue_change(site, -1)
        c, b = self.counts, call.bucket
        c[b + K_ABANDONED] += 1
        c[b + K_WAIT_AB] += call.patience_s
        if call.patience_s > 0:
            c[b + K_WAITED] += 1
        if call.channel == CHAT:
            site.n_chat_waiting -= 1
            c[b + K_CHAT_ABANDONED] += 1
        if self.log is not None:
            self.rec.log_contact(call, call.patience_s, 0.0, "abandoned")
        self._follow_up(call, self.redials, REDIAL)

    def _answer(self, call: Call, site: SiteState, a: int, now: float) -> None:
        """Agent ``a`` takes a voice call or an email: decide its handle time and outcome."""
        email = call.channel == EMAIL
        if email:
            call.state = ANSWERED
            site.email_in_service += 1
            wait = 0.0  # an email's customer does not grow angry on hold; anger is the type's irate_p
        else:
            wait = self.rec.count_answer(call, site, now)
        live = self.live
        p = live.proficiency[a]
        self.floor.recover_idle(a, now)
        f = live.fatigue[a]
        r = live.pressure[a]
        eq = self.contact
        irate = call.u_irate < eq.irate_probability(call.ctype, wait)
        if irate and not email:
            self.counts[call.bucket + K_IRATE] += 1
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

    def _decide(
        self, call: Call, site: SiteState, p: float, f: float, r: float, irate: bool, fcr_factor: float
    ) -> float:
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
            c[(i * self.n_sites + site.index) * NC + K_BUSY_S] += handle
        else:
            self.rec.accrue(K_BUSY_S, site.index, call.t_ans, now, 1.0)
        if call.channel == EMAIL:
            site.email_in_service -= 1
            self.rec.count_reply(call, site, now)
        self._finish(call, a, site, now, handle, 1.0)
        self.floor.release(a, site, now)

    def _finish(self, call: Call, a: int, site: SiteState, now: float, handle: float, load_factor: float) -> None:
        """A contact's service by agent ``a`` ended: learning, load, outcome counters, satisfaction, follow-ups."""
        c, b = self.counts, call.bucket
        c[b + K_HANDLED] += 1
        c[b + K_HANDLE_S] += handle
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
            c[b + K_SCAMS] += 1
            if outcome == SCAM_MISSED:
                c[b + K_SCAMS_MISSED] += 1
        else:
            c[b + K_RESOLVABLE] += 1
            wait = now - call.t_arr if call.channel == EMAIL else call.t_ans - call.t_arr
            csat = self.contact.satisfaction(call.channel, call.attempt, wait, outcome == RESOLVED,
                                             outcome == ESCALATED, call.irate, p, live.pressure[a])
            survey = self._score(call, csat, a)
            if outcome == RESOLVED:
                c[b + K_RESOLVED] += 1
            elif outcome == ESCALATED:
                c[b + K_ESCALATIONS] += 1
                self._escalate(call, site)
            else:
                self._follow_up(call, self.repeats, REPEAT)
        if self.log is not None:
            self.rec.log_contact(call, call.t_ans - call.t_arr, handle, OUTCOMES[outcome], csat, survey)

    def _score(self, call: Call, csat: float, a: int) -> int:
        """Book ``call``'s satisfaction ``csat`` for agent ``a`` and maybe survey it.

        Surveyed if ``u_survey < survey_share``; satisfied if ``u_happy < csat``; answers if
        ``u_survey < survey_share x response_p`` (``x dissatisfied_response_ratio``, capped at 1,
        if dissatisfied), so one uniform decides the survey and the answer.
        Returns the survey answer: 1 satisfied, 0 dissatisfied, -1 no response (or no survey).
        """
        c, live, b = self.counts, self.live, call.bucket
        c[b + K_CSAT_N] += 1
        c[b + K_CSAT_SUM] += csat
        live.csat_sum[a] += csat
        live.csat_n[a] += 1
        share = self.survey_share
        if call.u_survey >= share:
            return -1
        c[b + K_SURVEYS] += 1
        satisfied = call.u_happy < csat
        if call.u_survey >= share * (self.response_p if satisfied else self.unhappy_response_p):
            return -1
        c[b + K_RESPONSES] += 1
        live.survey_n[a] += 1
        if satisfied:
            c[b + K_SATISFIED] += 1
            live.survey_pos[a] += 1
        return int(satisfied)

    # ------------------------------------------------------------------ chat

    def _chat_agent(self, site: SiteState, now: float) -> int:
        """An agent to take a new chat: an idle chat agent, else the chatting agent with the fewest chats; or -1."""
        a = self.floor.pick_idle(site, CHAT, now)
        if a >= 0:
            return a
        best, fewest = -1, self.max_chats
        chats, pending = self.chats, self.pending
        for a in site.chatting:
            n = len(chats[a])
            if n < fewest and not pending[a]:
                best, fewest = a, n
        return best

    def _start_chat(self, call: Call, site: SiteState, a: int, now: float) -> None:
        """Agent ``a`` (idle or chatting) takes chat ``call``: first response now, work at rate c(n)/n."""
        wait = self.rec.count_answer(call, site, now)
        live = self.live
        if self.mode[a] != CHATTING:
            self.floor.recover_idle(a, now)
            self.mode[a] = CHATTING
            site.chatting.append(a)
            self.chat_since[a] = now
            self.chat_t[a] = now
        else:
            self._chat_progress(a, now)
        call.irate = call.u_irate < self.contact.irate_probability(call.ctype, wait)
        if call.irate:
            self.counts[call.bucket + K_IRATE] += 1
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
        # This timer was set for the chat with the least work left: end it, and any within EPS_S
        # of it, even when rounding at a large clock leaves it a few ulps above 0 (the delay to
        # its end would then round to no time at all, and the timer would fire forever).
        done = min(call.work for call in chats) + EPS_S
        ended = [call for call in chats if call.work <= done]
        self.chats[a] = chats = [call for call in chats if call.work > done]
        live = self.live
        for call in ended:
            handle = now - call.t_ans
            m = (self.chat_int[a] - call.conc0) / handle if handle > 0 else 1.0
            self.counts[call.bucket + K_CHAT_S] += handle
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
        self.rec.accrue(K_BUSY_S, site.index, self.chat_since[a], now, 1.0)
        self.rec.accrue(K_CHAT_AGENT_S, site.index, self.chat_since[a], now, 1.0)
        self.mode[a] = BUSY  # finishing work, as after a call: _release decides what comes next
        self.floor.release(a, site, now)

    def _take_chats(self, a: int, site: SiteState, now: float) -> bool:
        """Agent ``a`` takes waiting chats, oldest first, up to its concurrency limit; whether it took any."""
        groups = site.groups[CHAT]
        if groups is not None and self.skill[a] not in groups:
            return False
        queue, took = site.chat_queue, False
        while queue and len(self.chats[a]) < self.max_chats:
            call = queue.popleft()
            if call.state == WAITING:
                site.n_chat_waiting -= 1
                self.rec.queue_change(site, -1)
                self._start_chat(call, site, a, now)
                took = True
        return took

    def _escalate(self, call: Call, site: SiteState) -> None:
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

    def _supervise(self, call: Call, site: SiteState, now: float) -> None:
        call.state = SUP_SERVED
        site.sup_busy += 1
        c, b = self.counts, call.bucket
        c[b + K_SUP_ANSWERED] += 1
        c[b + K_SUP_WAIT] += now - call.t_esc
        self._at(call.sup_s[site.index], self._on_supervisor_end, call)

    def _next_escalation(self, site: SiteState) -> None:
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
        c[b + K_SUP_ABANDONED] += 1
        c[b + K_SUP_WAIT] += self.env.now - call.t_esc
        self._follow_up(call, self.repeats, REPEAT)

    def _on_supervisor_end(self, ev: Event) -> None:
        call = cast(Call, ev.value)
        site = call.site
        if call.u_res < site.sup_resolution_p:
            self.counts[call.bucket + K_SUP_RESOLVED] += 1
        else:
            self._follow_up(call, self.repeats, REPEAT)
        site.sup_busy -= 1
        self._next_escalation(site)

    def on_supervisor_duty(self, ev: Event) -> None:
        """Set the number of supervisors on duty (``ev.value``: site, count) and let them take waiting escalations."""
        site, n_on = cast("tuple[SiteState, int]", ev.value)
        site.sup_on = n_on
        self._next_escalation(site)

    def _follow_up(self, call: Call, source: FollowUps, kind: int) -> None:
        """Maybe schedule a redial or repeat of ``call``'s caller."""
        if source.p == 0.0:
            return
        u = source.u
        if u.next() >= source.p:
            return
        now = self.env.now
        t = self.calendar.next_open(now + u.next_as(0))
        # Draw every attribute before the horizon check, so a longer horizon consumes the
        # stream identically and a shorter run is an exact prefix of a longer one.
        new = Call(call.caller, call.attempt + 1, kind, call.ctype, call.rank, t,
                   u.next_as(1 + call.ctype), call.base_s, u.next_all(source.sup0, source.sup0 + self.n_sites),
                   u.next(), u.next(), u.next(), call.scam, u.next(), u.next(), call.channel,
                   *self._survey_uniforms())
        if call.channel == EMAIL:
            new.patience_s = math.inf
        if t < self.horizon_s:
            self._at(t - now, self._on_follow_up, new)

    # ------------------------------------------------------------------ dispatch

    def available(self, a: int, site: SiteState, now: float) -> None:
        """Agent ``a`` is free: the oldest waiting voice call of the best priority, else chats, else idle.

        An idle agent lets the site's email backlog be worked (:meth:`_serve_emails`).
        """
        voice = site.groups[VOICE]
        if voice is None or self.skill[a] in voice:
            for queue in site.queues:
                while queue:
                    call = queue.popleft()
                    if call.state == WAITING:
                        self.rec.queue_change(site, -1)
                        self._answer(call, site, a, now)
                        return
        if site.n_chat_waiting and self._take_chats(a, site, now):
            return
        self.floor.make_idle(a, site)
        if site.emails:
            self._serve_emails(site, now)

    def _serve_emails(self, site: SiteState, now: float) -> None:
        """Idle email agents take the oldest emails while more than ``reserve_idle`` agents stay idle."""
        emails = site.emails
        while emails and len(site.idle) > self.email_reserve:
            a = self.floor.pick_idle(site, EMAIL, now)
            if a < 0:
                return
            self._answer(emails.popleft(), site, a, now)
