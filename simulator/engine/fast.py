"""The compiled engine: the SimPy model's event loop as numba kernels, driven one day at a time.

:class:`FastSimulation` is a :class:`~simulator.engine.base.Replication` like the SimPy
:class:`~simulator.engine.simulation.Simulation` and gives the same results, call for call:
the day-level workforce (:meth:`~simulator.engine.base.Replication.open_day`), the pre-drawn
callers, the event-loop streams and their transforms (:class:`~simulator.engine.state.FlowSetup`)
and the per-contact equations (:mod:`simulator.formulas`) are the same objects and functions;
only the event loop is compiled (:mod:`.kernel`). The driver here builds the kernel's arrays,
opens each day in Python, refills the streams and grows buffers when the kernel asks, and
assembles the result.

Compiled functions are cached on disk (numba ``cache=True``) under ``$NUMBA_CACHE_DIR`` or
``~/.cache/callsim/numba``, in a folder keyed by a digest of the compiled sources, so a change to
the model's equations never reuses a stale compilation. Only the first run on a machine compiles
(about a minute); it says so once on stderr.
"""

from __future__ import annotations

import math
import sys
import time
from types import SimpleNamespace
from typing import Any

import numpy as np

from .. import config as C
from .. import metrics as M
from .. import workforce as W
from ..demand import DECISIONS, DayCallers, draw_day
from ..formulas import ContactModel
from ..result import SimulationResult
from ..rng import BLOCK_SIZE
from ..routing import AGENT_SELECTORS
from ..units import DAY_S
from . import kernel as K
from .base import EV_BREAK, EV_SHIFT_END, EV_SHIFT_START, Replication, shift_events
from .state import OUTCOMES, FlowSetup

_KINDS = np.zeros(3, dtype=np.int64)
_KINDS[[EV_SHIFT_START, EV_SHIFT_END, EV_BREAK]] = [K.E_SHIFT_START, K.E_SHIFT_END, K.E_BREAK]
"""Kernel event kind of each ``base.shift_events`` kind."""
_LOG_OUTCOMES = (*OUTCOMES, "abandoned", "blocked")
_SELECTORS = list(AGENT_SELECTORS)
assert DECISIONS == ("irate", "resolve", "escalate", "scam", "detect", "route"), "kernel.U_* rows"
INITIAL_CALLS, INITIAL_EVENTS, INITIAL_LOG = 4096, 1024, 4096
"""Initial sizes of the contact pool, the event heap and the call-log buffer (each grows as needed)."""
AHEAD = 4 * BLOCK_SIZE
"""Uniforms drawn ahead of need at a refill (fewer refills; consumption, hence results, unchanged)."""
_compiled = False
"""Whether this process has run the kernels once (then they are compiled or loaded)."""


def ensure_compiled() -> None:
    """Compile the kernels in this process if the disk cache has none yet (a short run).

    Call before starting worker processes: they then load the cache instead of each compiling.
    """
    if _compiled or any(K.CACHE_DIR.rglob("kernel.run-*.nbi")):
        return
    cfg = C.erlang_scenario(calls_per_hour=60.0, aht_s=60.0, agents=1, patience_s=60.0, hours=0.5, warmup_h=0.0)
    FastSimulation(cfg, seed=0).run()


class FastSimulation(Replication):
    """One replication of a scenario in the compiled engine. Build, then :meth:`run` once.

    Args: as :class:`~simulator.engine.base.Replication`.
    """

    def __init__(
        self, cfg: C.Scenario, *, seed: int, replication: int = 0, call_log: bool = False,
        initial: W.AgentState | None = None,
    ) -> None:
        super().__init__(cfg, seed=seed, replication=replication, call_log=call_log, initial=initial)
        self.setup = u = FlowSetup(cfg, seed, replication)
        self.counts = np.zeros(self.n_intervals * self.n_sites * M.N_COUNTERS)
        """The counters (``metrics.Accumulator`` layout), written by the kernel and the day opening."""
        self.log: list[tuple[Any, ...]] | None = [] if call_log else None
        self.next_caller = 0
        self.max_chats = max(u.max_chats, 1)
        ns = self.n_sites
        contact = ContactModel(cfg)
        fatigue = cfg.behaviour.fatigue
        targets = cfg.channel_targets_s
        p = np.zeros(K.NP)
        p[[K.P_INTERVAL, K.P_HORIZON, K.P_WARMUP, K.P_SL, K.P_CHAT_SL, K.P_EMAIL_TARGET]] = [
            self.interval_s, self.horizon_s, cfg.warmup_days * DAY_S, cfg.sl_threshold_s,
            cfg.channels.chat.sl_threshold_s, targets["email"]]
        p[[K.P_RECOVERY_TAU, K.P_REST_TAU, K.P_LEARN, K.P_REDIAL_P, K.P_REPEAT_P, K.P_CHASE_S, K.P_CHASE_P]] = [
            fatigue.recovery_tau_s, fatigue.rest_tau_s or fatigue.recovery_tau_s, u.learning_factor,
            u.redials.p, u.repeats.p, math.inf if u.chase_s is None else u.chase_s, u.chase_p]
        p[[K.P_RESPONSE_P, K.P_UNHAPPY_P, K.P_SURVEY_SHARE, K.P_ANGER]] = [
            u.response_p, u.unhappy_response_p, u.survey_share, contact.anger_per_s]
        p[[K.P_NOVICE_SLOW, K.P_FATIGUE_SLOW, K.P_RUSH, K.P_IRATE_HANDLE, K.P_DETECT_FLOOR, K.P_SCAM_FRACTION]] = [
            contact.novice_slowdown, contact.fatigue_slowdown, contact.rush_strength, contact.irate_handle,
            contact.detect_floor, contact.scam_fraction]
        p[[K.P_NOVICE_ESC, K.P_IRATE_ESC, K.P_FCR_FLOOR, K.P_FATIGUE_ERROR, K.P_RUSH_FCR]] = [
            contact.novice_escalation, contact.irate_escalation, contact.fcr_floor, contact.fatigue_error,
            contact.rush_fcr]
        p[[K.P_LOAD, K.P_COPING, K.P_IRATE_LOAD, K.P_FAILED_LOAD, K.P_CHAT_FCR, K.P_CHAT_LOAD]] = [
            contact.load_per_call, contact.coping, contact.irate_load, contact.failed_load, contact.chat_fcr_penalty,
            contact.chat_extra_load]
        p[[K.P_OVERFLOW, K.P_WAIT_BIN, K.P_RESPONSE_BIN]] = [
            cfg.routing.overflow_queue_min, M.WAIT_BIN_S, M.RESPONSE_BIN_S]
        p[K.P_SAT:] = contact.sat_factors
        pi = np.zeros(K.NPI, dtype=np.int64)
        pi[[K.I_SITES, K.I_RANKS, K.I_MAX_CHATS, K.I_EMAIL_RESERVE, K.I_CHASE_TYPE, K.I_FATIGUE_ON]] = [
            ns, u.n_ranks, u.max_chats, u.email_reserve, u.chase_type, u.fatigue_on]
        pi[[K.I_LEARNING_ON, K.I_ROUTER, K.I_ALWAYS_OPEN, K.I_LOG, K.I_WAIT_BINS, K.I_RESPONSE_BINS, K.I_TYPES]] = [
            u.learning_on, cfg.routing.policy == "overflow", self.calendar.always_open, call_log, M.WAIT_BINS,
            M.RESPONSE_BINS, len(cfg.demand.call_types)]
        pi[K.I_NC] = M.N_COUNTERS
        pi[K.I_WHOLE_INTERVAL] = self.interval_s > 0 and float(self.interval_s).is_integer()

        st = np.zeros((ns, K.NST), dtype=np.int64)
        sfl = np.zeros((ns, K.NSL))
        able = np.zeros((ns, 3, 1 + max(len(sc.skills or ()) for sc in cfg.sites)), dtype=np.int64)
        for s, sc in enumerate(cfg.sites):
            st[s, K.T_SUP_COUNT] = sc.supervisors.count
            st[s, K.T_SUP_ON] = sc.supervisors.count if self.calendar.always_open else 0
            st[s, K.T_LINE_LIMIT] = -1 if sc.line_limit is None else sc.line_limit
            st[s, K.T_SELECTOR] = _SELECTORS.index(sc.agent_selection)
            sfl[s, [K.L_RES_MULT, K.L_SUP_RES_P, K.L_SUP_PATIENCE]] = [
                sc.resolution_multiplier, sc.supervisors.resolution_p, sc.supervisors.patience_multiplier]
            for ch, name in enumerate(C.CHANNELS):
                if sc.skills is None or all(name in g.channels for g in sc.skills):
                    able[s, ch, 0] = -1
                else:
                    for g, group in enumerate(sc.skills):
                        able[s, ch, 1 + g] = name in group.channels
        shares = cfg.routing.shares or {cfg.sites[0].name: 1.0}
        cum = np.cumsum([shares.get(name, 0.0) for name in cfg.site_names])
        n_queues = ns * (u.n_ranks + 3)
        starts = np.asarray(self.calendar.starts, dtype=np.float64)
        ends = np.asarray(self.calendar.ends, dtype=np.float64)
        n_tr = max(u.redials.u.n_transforms, u.chase.n_transforms)
        self.a = SimpleNamespace(
            si=np.zeros(K.NSI, dtype=np.int64), sf=np.zeros(K.NSF), p=p, pi=pi,
            k=np.array([M.K[name] for name in K.COUNTERS], dtype=np.int64),
            tf=np.array([u.scam_p, contact.irate_p, contact.fcr, contact.escalation_p], dtype=np.float64).T.copy(),
            ti=np.array([u.type_rank, u.type_channel], dtype=np.int64).T.copy(),
            chan=np.array([contact.sat_channel, contact.wait_target_s], dtype=np.float64).T.copy(),
            chat_rate=np.array(u.chat_rate), route_cum=cum, cal=np.array([starts, ends]).reshape(2, -1),
            hf=np.zeros((INITIAL_EVENTS, 2)), hi=np.zeros((INITIAL_EVENTS, 4), dtype=np.int64),
            ci=np.zeros((0, K.NCI), dtype=np.int64), cf=np.zeros((0, K.F_SUP + ns)), free=np.zeros(0, dtype=np.int64),
            site_i=st, site_f=sfl, q=np.full((n_queues, 2), -1, dtype=np.int64),
            idle=np.zeros((ns, 0), dtype=np.int64), chatting=np.zeros((ns, 0), dtype=np.int64), able=able,
            ai=np.zeros((0, K.NAI), dtype=np.int64), af=np.zeros((0, K.NAF)),
            chats=np.zeros((0, self.max_chats), dtype=np.int64),
            counts=self.counts, wait_hist=np.zeros((ns, M.WAIT_BINS), dtype=np.int64),
            response_hist=np.zeros((ns, M.RESPONSE_BINS), dtype=np.int64),
            li=np.zeros((INITIAL_LOG if call_log else 0, K.NLI), dtype=np.int64),
            lf=np.zeros((INITIAL_LOG if call_log else 0, K.NLF)),
            su=np.zeros((K.N_STREAMS, 0)), tr=np.zeros((3, n_tr, 0)),
            d_t=np.zeros(0), d_ct=np.zeros(0, dtype=np.int64), d_pat=np.zeros(0), d_base=np.zeros(0),
            d_u=np.zeros((len(DECISIONS), 0)), d_us=np.zeros((2, 0)), d_sup=np.zeros((ns, 0)),
            scratch_a=np.zeros(0, dtype=np.int64), scratch_c=np.zeros(self.max_chats, dtype=np.int64),
            scratch_f=np.zeros(ns), scratch_i=np.zeros(ns, dtype=np.int64),
            pt=np.zeros(0), pk=np.zeros((0, 2), dtype=np.int64),
        )
        """The kernel's arrays by field name (the kernel mutates them in place)."""
        self.state = K.build(**vars(self.a))
        red, rep, chase = u.redials.p != 0, u.repeats.p != 0, u.chase_s is not None
        self.streams_used = np.zeros(K.N_STREAMS, dtype=np.int64)
        """Which event-loop streams the run reads (the kernel's only reads of each are behind these switches)."""
        self.streams_used[[K.R_RED, K.R_REP, K.R_CHA, K.R_SUR, K.R_SEL]] = np.array([
            red, rep, chase, u.survey_share != 0 and (red or rep or chase),
            bool((st[:, K.T_SELECTOR] > K.SEL_PROFICIENT).any())], dtype=np.int64)
        self._grow_calls(INITIAL_CALLS)
        self._load_agents()

    # ------------------------------------------------------------------ buffers

    def _set(self, **arrays: np.ndarray) -> SimpleNamespace:
        """Replace some of the kernel's arrays; return the arrays."""
        vars(self.a).update(arrays)
        self.state.set(**arrays)
        return self.a

    def sync_agents(self) -> W.AgentState:
        """Write the kernel's per-agent columns back into the agent state; return it."""
        s, agents = self.a, self.agents
        for col, name in K.AGENT_FLOATS.items():
            getattr(agents, name)[:] = s.af[:, col]
        for col, name in K.AGENT_INTS.items():
            getattr(agents, name)[:] = s.ai[:, col]
        return agents

    def _load_agents(self) -> None:
        """Size the per-agent arrays to the agent state (new hires start off shift) and copy its fields in."""
        s, agents = self.a, self.agents
        n = len(agents)
        extra = n - s.ai.shape[0]
        if extra > 0:
            ai = np.concatenate([s.ai, np.zeros((extra, K.NAI), dtype=np.int64)])
            ai[-extra:, K.A_MODE] = K.OFF
            ai[-extra:, K.A_PENDING_REST] = 1
            s = self._set(
                ai=ai, af=np.concatenate([s.af, np.zeros((extra, K.NAF))]),
                chats=np.concatenate([s.chats, np.full((extra, self.max_chats), -1, dtype=np.int64)]),
                idle=np.concatenate([s.idle, np.zeros((self.n_sites, extra), dtype=np.int64)], axis=1),
                chatting=np.concatenate([s.chatting, np.zeros((self.n_sites, extra), dtype=np.int64)], axis=1),
                scratch_a=np.zeros(n, dtype=np.int64),
            )
        s.ai[:, K.A_SKILL] = agents.skill
        s.ai[:, K.A_SITE] = agents.site
        for col, name in K.AGENT_FLOATS.items():
            s.af[:, col] = getattr(agents, name)
        for col, name in K.AGENT_INTS.items():
            s.ai[:, col] = getattr(agents, name)

    def _grow_calls(self, extra: int) -> None:
        s = self.a
        n = s.ci.shape[0]
        free = np.concatenate([s.free[: s.si[K.S_FREE_N]], np.arange(n, n + extra, dtype=np.int64)])
        s.si[K.S_FREE_N] = free.size
        self._set(
            ci=np.concatenate([s.ci, np.zeros((extra, K.NCI), dtype=np.int64)]),
            cf=np.concatenate([s.cf, np.zeros((extra, s.cf.shape[1]))]),
            free=np.concatenate([free, np.zeros(n + extra - free.size, dtype=np.int64)]),
            pt=np.concatenate([s.pt, np.zeros(extra)]), pk=np.concatenate([s.pk, np.zeros((extra, 2), dtype=np.int64)]),
        )

    def _grow_heap(self, room: int) -> None:
        s = self.a
        n, cap = s.si[K.S_HEAP_N], s.hf.shape[0]
        if cap - n >= room:
            return
        size = max(2 * cap, n + 2 * room)
        self._set(hf=np.concatenate([s.hf[:n], np.zeros((size - n, 2))]),
                                hi=np.concatenate([s.hi[:n], np.zeros((size - n, 4), dtype=np.int64)]))

    def _flush_log(self) -> None:
        s = self.a
        n = s.si[K.S_LOG_N]
        if self.log is None or n == 0:
            return
        li, lf = s.li[:n].tolist(), s.lf[:n].tolist()
        for (caller, attempt, kind, ctype, site, agent, outcome, channel, survey), (t_arr, wait, handle, csat) in zip(
                li, lf, strict=True):
            self.log.append((caller, attempt, kind, ctype, site, t_arr, wait, handle, agent, _LOG_OUTCOMES[outcome],
                             C.CHANNELS[channel], math.nan if csat != csat else csat, survey))
        s.si[K.S_LOG_N] = 0

    def _refill(self) -> None:
        """Give every stream at least its ``need`` of unread uniforms (with transforms), drawing whole blocks in order.

        A stream the run never reads (``need`` 0) is never drawn (nor is it in the SimPy engine).
        """
        s, u = self.a, self.setup
        sources = {K.R_RED: u.redials.u, K.R_REP: u.repeats.u, K.R_CHA: u.chase, K.R_SUR: u.surveys,
                   K.R_SEL: u.selection}
        rows_u: list[np.ndarray] = []
        rows_t: list[np.ndarray] = []
        for r in range(K.N_STREAMS):
            i, n = int(s.si[K.S_POS + r]), int(s.si[K.S_LEN + r])
            us = [s.su[r, i:n]]
            ts = [s.tr[r, :, i:n]] if r < 3 else []
            left = n - i
            need = int(s.si[K.S_NEED + r])
            while need and left < need + AHEAD:
                block, t = sources[r].draw_block()
                us.append(block)
                if r < 3:
                    ts.append(np.pad(t, ((0, s.tr.shape[1] - t.shape[0]), (0, 0))))
                left += block.size
            rows_u.append(np.concatenate(us))
            if r < 3:
                rows_t.append(np.concatenate(ts, axis=1))
            s.si[K.S_POS + r] = 0
            s.si[K.S_LEN + r] = left
        size = max(row.size for row in rows_u)
        su = np.zeros((K.N_STREAMS, size))
        tr = np.zeros((3, s.tr.shape[1], size))
        for r, row in enumerate(rows_u):
            su[r, : row.size] = row
        for r, rt in enumerate(rows_t):
            tr[r, :, : rt.shape[1]] = rt
        self._set(su=su, tr=tr)

    # ------------------------------------------------------------------ running

    def clock(self) -> float:
        """The kernel's clock (seconds)."""
        return float(self.a.sf[K.SF_NOW])

    def run(self, *, drain: bool = True) -> SimulationResult:
        """Simulate the horizon, drain the queues (at most one more day) and collect (as the SimPy engine)."""
        global _compiled
        first = not _compiled
        started = time.perf_counter()
        self._open(0)
        K.push(self.state, self.interval_s, K.E_TICK, 0, 0, 0.0)
        self._run_until(self.horizon_s)
        t = self.horizon_s
        while drain and t < self.end_s and K.in_system(self.state):
            t = min(t + 60.0, self.end_s)
            self._run_until(t)
        K.close(self.state)
        if first:
            _compiled = True
            misses = sum(sum(f.stats.cache_misses.values()) for f in (K.run, K.push, K.push_at, K.in_system, K.close))
            if misses:
                print(f"callsim: compiled the fast engine in {time.perf_counter() - started:.0f} s "
                      f"(cached in {K.CACHE_DIR} for later runs)", file=sys.stderr)
        self._flush_log()
        s = self.a
        mode, site = s.ai[:, K.A_MODE], s.ai[:, K.A_SITE]
        busy = np.bincount(site[mode == K.BUSY], minlength=self.n_sites)
        held = np.bincount(site, weights=s.ai[:, K.A_NCHATS] * (mode == K.CHATTING), minlength=self.n_sites)
        return self.result(
            self.counts.reshape(self.n_intervals, self.n_sites, M.N_COUNTERS), s.wait_hist.ravel().copy(),
            s.response_hist.ravel().copy(),
            waiting=s.site_i[:, K.T_WAITING].tolist(),
            in_service=[int(b) - int(e) + int(h)
                        for b, e, h in zip(busy, s.site_i[:, K.T_EMAIL_IN], held, strict=True)],
            emails=s.site_i[:, K.T_EMAILS_N].tolist(), emails_in_service=s.site_i[:, K.T_EMAIL_IN].tolist(),
            end_s=self.clock(), call_log=self.log,
        )

    def _run_until(self, until: float) -> None:
        while True:
            n_agents = len(self.agents)
            need = self.a.si[K.S_NEED: K.S_NEED + K.N_STREAMS]
            need[:] = 16 * (self.max_chats + 2) * self.streams_used
            need[K.R_SEL] = (n_agents + 16) * self.streams_used[K.R_SEL]
            self.a.si[K.S_ANY_NEED] = need.any()
            need_calls = 4 * (self.max_chats + 4)
            need_heap = n_agents + 8 * self.max_chats + 64
            need_log = 4 * (self.max_chats + 4)
            status = K.run(self.state, until, need_calls, need_heap, need_log)
            if status == K.ST_UNTIL:
                return
            if status == K.ST_DAY:
                self._open(self.day + 1)
            elif status == K.ST_REFILL:
                self._refill()
            else:
                if self.a.si[K.S_FREE_N] < need_calls:
                    self._grow_calls(self.a.ci.shape[0])
                self._grow_heap(need_heap)
                if self.log is not None and self.a.li.shape[0] - self.a.si[K.S_LOG_N] < need_log:
                    self._flush_log()
                    if self.a.li.shape[0] < need_log:
                        self._set(li=np.zeros((2 * need_log, K.NLI), dtype=np.int64),
                                  lf=np.zeros((2 * need_log, K.NLF)))

    def _open(self, day: int) -> None:
        """The day calendar's midnight (``Simulation._days``): the next wake, the day's plan and callers."""
        now = self.clock()
        self._grow_heap(1)
        K.push(self.state, DAY_S, K.E_DAY, 0, 0, 0.0)
        opening = self.open_day(day, now, self.counts, self.a.site_i[:, K.T_EMAILS_N].tolist())
        self._load_agents()
        shift_end = self.a.af[:, K.A_SHIFT_END].copy()
        times, kinds, agents, values, rests = shift_events(opening.plan, shift_end)
        self.a.af[:, K.A_SHIFT_END] = shift_end
        duty = opening.supervisors
        self._grow_heap(len(times) + len(duty) + 1)
        if times.size:
            K.push_at(self.state, times, _KINDS[kinds], agents.astype(np.int64), rests.astype(np.int64), values)
        if duty:
            K.push_at(self.state, np.array([t for t, _, _ in duty]), np.full(len(duty), K.E_SUP_DUTY),
                      np.array([s for _, s, _ in duty], dtype=np.int64),
                      np.array([n for _, _, n in duty], dtype=np.int64), np.zeros(len(duty)))
        if day < self.n_days:
            self._load_day(draw_day(self.cfg, self.seed, self.replication, day, self.horizon_s))

    def _load_day(self, day: DayCallers) -> None:
        """``CallFlow.load_day``: hand the day's base contacts to the kernel and schedule the first arrival."""
        n = len(day)
        if n == 0:
            return
        sup = np.empty((self.n_sites, n))
        for j, d in enumerate(self.setup.supervisor):
            sup[j] = d.ppf(day.u_supervisor)
        c = np.ascontiguousarray
        s = self._set(d_t=c(day.t_s), d_ct=c(day.call_type, dtype=np.int64), d_pat=c(day.patience_s),
                      d_base=c(day.handle_s), d_u=c(day.u), d_us=c(day.u_survey), d_sup=sup)
        s.si[K.S_DAY_I] = 0
        s.si[K.S_DAY_N] = n
        s.si[K.S_DAY_FIRST] = self.next_caller
        self.next_caller += n
        zero = np.zeros(1, dtype=np.int64)
        K.push_at(self.state, day.t_s[:1], np.array([K.E_BASE]), zero, zero, np.zeros(1))
