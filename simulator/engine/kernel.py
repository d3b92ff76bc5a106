"""The compiled engine's event loop: the SimPy model's call flow and floor, as numba kernels.

Every handler here is the compiled twin of a method of :mod:`.flow` or :mod:`.floor` (named
in its docstring) and must stay so: same decisions, same order of random draws, same event
ordering, same floating-point expressions. The equations themselves are not copied: the
per-contact formulas are :mod:`simulator.formulas`' scalar functions and the fatigue decay
is :func:`simulator.workforce.fatigue_now`, compiled as they are.

State is a struct of arrays, :class:`Kernel` (a named tuple built by :mod:`.fast`):

- the event heap, ordered by ``(time, sequence)`` like SimPy's ``(time, priority, eid)``
  (every event of the model is a ``Timeout`` of normal priority, so the sequence number of
  creation breaks ties exactly as SimPy's event id does);
- a pool of contacts (rows of ``ci``/``cf``, recycled with a generation number so a stale
  timer never touches a reused row; memory is flat in the number of contacts);
- FIFO queues as linked lists through the contacts (``NEXT``);
- per-site and per-agent arrays; the recorder's counters, histograms and call-log buffer;
- the event-loop random streams as blocks of uniforms with their transforms
  (:class:`~simulator.rng.UniformBlocks`), refilled by the driver between events.

:func:`run` processes events with time below ``until`` and returns between events when the
driver must act: a day starts, a stream or a buffer needs room, or ``until`` is reached.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from .. import formulas as F
from .. import workforce as W

# ---------------------------------------------------------------- codes (mirror .state)

FIRST, REDIAL, REPEAT = 0, 1, 2
VOICE, CHAT, EMAIL = 0, 1, 2
WAITING, ANSWERED, ABANDONED, SUP_WAITING, SUP_SERVED, SUP_ABANDONED, DONE = 0, 1, 2, 3, 4, 5, 6
RESOLVED, UNRESOLVED, ESCALATED, SCAM_DETECTED, SCAM_MISSED, LOG_ABANDONED, LOG_BLOCKED = 0, 1, 2, 3, 4, 5, 6
OFF, IDLE, BUSY, BREAK, CHATTING = 0, 1, 2, 3, 4
SHIFT_END = -1.0
EPS_S = 1e-9

# Event kinds.
E_DAY, E_TICK, E_BASE, E_FOLLOW, E_PATIENCE, E_SERVICE_END, E_CHASE = 0, 1, 2, 3, 4, 5, 6
E_SUP_PATIENCE, E_SUP_END, E_CHAT_END, E_SHIFT_START, E_SHIFT_END, E_BREAK, E_BREAK_END, E_SUP_DUTY = (
    7, 8, 9, 10, 11, 12, 13, 14)

# Return codes of run().
ST_UNTIL, ST_DAY, ST_REFILL, ST_GROW = 0, 1, 2, 3

# Contact fields: ci (int64) and cf (float64) columns.
C_CALLER, C_ATTEMPT, C_KIND, C_CTYPE, C_RANK, C_CHANNEL, C_SITE, C_BUCKET, C_STATE, C_AGENT, C_OUTCOME = range(11)
C_IRATE, C_SCAM, C_GEN, C_NEXT, C_INQ = 11, 12, 13, 14, 15
NCI = 16
(F_TARR, F_PATIENCE, F_BASE, F_UIRATE, F_URES, F_UESC, F_UDETECT, F_UROUTE, F_USURVEY, F_UHAPPY, F_TANS, F_TESC,
 F_WORK, F_CONC0) = range(14)
NCF = 14

# Global scalars: si (int64) and sf (float64).
S_SEQ, S_HEAP_N, S_FREE_N, S_LOG_N, S_DAY_I, S_DAY_N, S_DAY_FIRST, S_TICK_I = range(8)
S_POS_RED, S_POS_REP, S_POS_SEL, S_POS_SUR, S_POS_CHA, S_NEED = 8, 9, 10, 11, 12, 13
NSI = 14
SF_NOW = 0

# Site fields: st (int64) and sfl (float64).
T_WAITING, T_CHAT_WAITING, T_SUP_COUNT, T_SUP_ON, T_SUP_BUSY, T_SUP_WAITING, T_ON, T_EMAIL_IN, T_LINE_LIMIT = range(9)
T_SELECTOR, T_IDLE_N, T_CHATTING_N, T_EMAILS_N = 9, 10, 11, 12
NST = 13
L_QUEUE_T, L_STAFF_T, L_RES_MULT, L_SUP_RES_P, L_SUP_PATIENCE = range(5)
NSL = 5

# Float parameters (p) and int parameters (pi).
(P_INTERVAL, P_HORIZON, P_WARMUP, P_SL, P_CHAT_SL, P_EMAIL_TARGET, P_RECOVERY_TAU, P_REST_TAU, P_LEARN, P_REDIAL_P,
 P_REPEAT_P, P_CHASE_S, P_CHASE_P, P_RESPONSE_P, P_UNHAPPY_P, P_SURVEY_SHARE, P_ANGER, P_NOVICE_SLOW, P_FATIGUE_SLOW,
 P_RUSH, P_IRATE_HANDLE, P_DETECT_FLOOR, P_SCAM_FRACTION, P_NOVICE_ESC, P_IRATE_ESC, P_FCR_FLOOR, P_FATIGUE_ERROR,
 P_RUSH_FCR, P_LOAD, P_COPING, P_IRATE_LOAD, P_FAILED_LOAD, P_CHAT_FCR, P_CHAT_LOAD, P_OVERFLOW, P_WAIT_BIN,
 P_RESPONSE_BIN) = range(37)
P_SAT = 37
"""Start of the nine satisfaction constants (``ContactModel.sat_factors``)."""
NP = P_SAT + 9
(I_SITES, I_RANKS, I_MAX_CHATS, I_EMAIL_RESERVE, I_CHASE_TYPE, I_FATIGUE_ON, I_LEARNING_ON, I_ROUTER, I_ALWAYS_OPEN,
 I_LOG, I_WAIT_BINS, I_RESPONSE_BINS, I_TYPES, I_NC) = range(14)
NPI = 14

# Selection rules (routing.AGENT_SELECTORS order) and counter offsets (k array, metrics.K).
SEL_LONGEST, SEL_FATIGUE, SEL_PROFICIENT, SEL_RANDOM = 0, 1, 2, 3
COUNTERS = (
    "offered", "answered", "abandoned", "blocked", "answered_within_sl", "waited", "wait_answered_s",
    "wait_abandoned_s", "handled", "handle_s", "resolvable", "resolved", "escalations", "supervisor_resolved",
    "irate", "scams", "scams_missed", "busy_s", "staffed_s", "overtime_s", "queue_s", "fatigue_sum", "fatigue_n",
    "supervisor_answered", "supervisor_abandoned", "supervisor_wait_s", "chat_offered", "chat_answered",
    "chat_abandoned", "chat_within_sl", "chat_wait_s", "chat_s", "chat_agent_s", "email_arrived", "email_replied",
    "email_response_s", "email_within_target", "email_chased", "csat_n", "csat_sum", "surveys",
    "survey_responses", "survey_satisfied", "unique_callers", "redials", "repeat_calls",
)
"""The counters the event loop books, in the order of the ``k`` offsets array."""
(K_OFFERED, K_ANSWERED, K_ABANDONED, K_BLOCKED, K_WITHIN, K_WAITED, K_WAIT_ANS, K_WAIT_AB, K_HANDLED, K_HANDLE_S,
 K_RESOLVABLE, K_RESOLVED, K_ESCALATIONS, K_SUP_RESOLVED, K_IRATE, K_SCAMS, K_SCAMS_MISSED, K_BUSY_S, K_STAFFED_S,
 K_OVERTIME_S, K_QUEUE_S, K_FATIGUE_SUM, K_FATIGUE_N, K_SUP_ANSWERED, K_SUP_ABANDONED, K_SUP_WAIT, K_CHAT_OFFERED,
 K_CHAT_ANSWERED, K_CHAT_ABANDONED, K_CHAT_WITHIN, K_CHAT_WAIT, K_CHAT_S, K_CHAT_AGENT_S, K_EMAIL_ARRIVED,
 K_EMAIL_REPLIED, K_EMAIL_RESPONSE, K_EMAIL_WITHIN, K_EMAIL_CHASED, K_CSAT_N, K_CSAT_SUM, K_SURVEYS, K_RESPONSES,
 K_SATISFIED, K_UNIQUE) = range(44)

# Call-log columns: li (int64) and lf (float64).
LI_CALLER, LI_ATTEMPT, LI_KIND, LI_CTYPE, LI_SITE, LI_AGENT, LI_OUTCOME, LI_CHANNEL, LI_SURVEY = range(9)
NLI = 9
LF_TARR, LF_WAIT, LF_HANDLE, LF_CSAT = range(4)
NLF = 4

# The model's equations, compiled from their one definition.
_irate_probability = njit(cache=True)(F.irate_probability)
_handle_time_s = njit(cache=True)(F.handle_time_s)
_detection_probability = njit(cache=True)(F.detection_probability)
_escalation_probability = njit(cache=True)(F.escalation_probability)
_resolution_probability = njit(cache=True)(F.resolution_probability)
_contact_load = njit(cache=True)(F.contact_load)
_satisfaction = njit(cache=True)(F.satisfaction)
_chat_resolution_factor = njit(cache=True)(F.chat_resolution_factor)
_chat_load_factor = njit(cache=True)(F.chat_load_factor)
_fatigue_now = njit(cache=True)(W.fatigue_now)
_learn = njit(cache=True)(W.learn)


class Kernel(NamedTuple):
    """The compiled engine's state: arrays only (see the module docstring)."""

    si: Any
    sf: Any
    p: Any
    pi: Any
    k: Any
    # event heap
    ht: Any
    hseq: Any
    hkind: Any
    ha: Any
    hb: Any
    hx: Any
    # contacts
    ci: Any
    cf: Any
    csup: Any
    free: Any
    # sites and queues
    st: Any
    sfl: Any
    qhead: Any
    qtail: Any
    idle: Any
    chatting: Any
    able: Any
    route_cum: Any
    # per type
    type_rank: Any
    type_channel: Any
    scam_p: Any
    irate_p: Any
    fcr: Any
    escalation_p: Any
    chat_rate: Any
    sat_channel: Any
    wait_target: Any
    # calendar
    open_starts: Any
    open_ends: Any
    # agents: floor and chats
    mode: Any
    pending: Any
    pending_rest: Any
    shift_end: Any
    skill: Any
    agent_site: Any
    chats: Any
    n_chats: Any
    chat_t: Any
    chat_int: Any
    chat_ver: Any
    chat_since: Any
    # agents: AgentState arrays
    proficiency: Any
    fatigue: Any
    fatigue_t: Any
    pressure: Any
    frailty: Any
    day_load: Any
    calls_handled: Any
    kpi_handle_s: Any
    kpi_calls: Any
    csat_sum: Any
    csat_n: Any
    survey_n: Any
    survey_pos: Any
    # recorder
    counts: Any
    wait_hist: Any
    response_hist: Any
    li: Any
    lf: Any
    # streams: uniforms and transforms
    red_u: Any
    red_t: Any
    rep_u: Any
    rep_t: Any
    sel_u: Any
    sur_u: Any
    cha_u: Any
    cha_t: Any
    # the day's base callers
    d_t: Any
    d_ct: Any
    d_pat: Any
    d_base: Any
    d_sup: Any
    d_u: Any
    d_surv: Any
    d_scam: Any


# ---------------------------------------------------------------- event heap


@njit(cache=True)
def push(s: Kernel, delay: float, kind: int, a: int, b: int, x: float) -> None:
    """Schedule an event ``delay`` seconds from now (SimPy's ``Timeout``: time = now + delay)."""
    t = s.sf[SF_NOW] + delay
    seq = s.si[S_SEQ]
    s.si[S_SEQ] = seq + 1
    i = s.si[S_HEAP_N]
    s.si[S_HEAP_N] = i + 1
    ht, hseq = s.ht, s.hseq
    while i > 0:
        parent = (i - 1) >> 1
        if ht[parent] < t or (ht[parent] == t and hseq[parent] < seq):
            break
        ht[i] = ht[parent]
        hseq[i] = hseq[parent]
        s.hkind[i] = s.hkind[parent]
        s.ha[i] = s.ha[parent]
        s.hb[i] = s.hb[parent]
        s.hx[i] = s.hx[parent]
        i = parent
    ht[i] = t
    hseq[i] = seq
    s.hkind[i] = kind
    s.ha[i] = a
    s.hb[i] = b
    s.hx[i] = x


@njit(cache=True)
def push_at(s: Kernel, times: Any, kinds: Any, a: Any, b: Any, x: Any) -> None:
    """Schedule events at absolute ``times`` in this order (time = now + (time - now), as SimPy computes it)."""
    now = s.sf[SF_NOW]
    for i in range(times.size):
        push(s, times[i] - now, kinds[i], a[i], b[i], x[i])


@njit(cache=True)
def _pop(s: Kernel) -> None:
    """Remove the heap's first event (its fields were read at index 0)."""
    n = s.si[S_HEAP_N] - 1
    s.si[S_HEAP_N] = n
    if n == 0:
        return
    ht, hseq = s.ht, s.hseq
    t, seq = ht[n], hseq[n]
    kind, a, b, x = s.hkind[n], s.ha[n], s.hb[n], s.hx[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and (ht[c + 1] < ht[c] or (ht[c + 1] == ht[c] and hseq[c + 1] < hseq[c])):
            c += 1
        if t < ht[c] or (t == ht[c] and seq < hseq[c]):
            break
        ht[i] = ht[c]
        hseq[i] = hseq[c]
        s.hkind[i] = s.hkind[c]
        s.ha[i] = s.ha[c]
        s.hb[i] = s.hb[c]
        s.hx[i] = s.hx[c]
        i = c
    ht[i] = t
    hseq[i] = seq
    s.hkind[i] = kind
    s.ha[i] = a
    s.hb[i] = b
    s.hx[i] = x


# ---------------------------------------------------------------- contacts and queues


@njit(cache=True)
def _alloc(s: Kernel) -> int:
    n = s.si[S_FREE_N] - 1
    s.si[S_FREE_N] = n
    c = s.free[n]
    s.ci[c, C_GEN] += 1
    s.ci[c, C_NEXT] = -1
    s.ci[c, C_INQ] = 0
    s.ci[c, C_STATE] = WAITING
    s.ci[c, C_AGENT] = -1
    s.ci[c, C_OUTCOME] = UNRESOLVED
    s.ci[c, C_IRATE] = 0
    s.ci[c, C_BUCKET] = 0
    s.cf[c, F_TANS] = 0.0
    s.cf[c, F_TESC] = 0.0
    s.cf[c, F_WORK] = 0.0
    s.cf[c, F_CONC0] = 0.0
    return c


@njit(cache=True)
def _done(s: Kernel, c: int) -> None:
    """Contact ``c`` has no future: recycle its row, or let the queue holding it recycle it when popped."""
    s.ci[c, C_STATE] = DONE if s.ci[c, C_STATE] != ABANDONED and s.ci[c, C_STATE] != SUP_ABANDONED else s.ci[
        c, C_STATE]
    if s.ci[c, C_INQ] == 0:
        n = s.si[S_FREE_N]
        s.free[n] = c
        s.si[S_FREE_N] = n + 1


@njit(cache=True)
def _q_append(s: Kernel, q: int, c: int) -> None:
    s.ci[c, C_NEXT] = -1
    s.ci[c, C_INQ] = 1
    tail = s.qtail.flat[q]
    if tail < 0:
        s.qhead.flat[q] = c
    else:
        s.ci[tail, C_NEXT] = c
    s.qtail.flat[q] = c


@njit(cache=True)
def _q_pop(s: Kernel, q: int) -> int:
    """Pop the queue's head (-1 if empty); a popped contact with no future is recycled (returns -2)."""
    c = s.qhead.flat[q]
    if c < 0:
        return -1
    nxt = s.ci[c, C_NEXT]
    s.qhead.flat[q] = nxt
    if nxt < 0:
        s.qtail.flat[q] = -1
    s.ci[c, C_INQ] = 0
    state = s.ci[c, C_STATE]
    if state == ABANDONED or state == SUP_ABANDONED or state == DONE:
        _done(s, c)
        return -2
    return c


@njit(cache=True)
def _q_voice(s: Kernel, site: int, rank: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + rank


@njit(cache=True)
def _q_chat(s: Kernel, site: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + s.pi[I_RANKS]


@njit(cache=True)
def _q_sup(s: Kernel, site: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + s.pi[I_RANKS] + 1


@njit(cache=True)
def _q_email(s: Kernel, site: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + s.pi[I_RANKS] + 2


# ---------------------------------------------------------------- recorder (.recorder.Recorder)


@njit(cache=True)
def _accrue(s: Kernel, k: int, site: int, t0: float, t1: float, weight: float) -> None:
    """``Recorder.accrue``."""
    if t1 <= t0 or weight == 0:
        return
    size = s.p[P_INTERVAL]
    ns, nc = s.pi[I_SITES], s.pi[I_NC]
    c = s.counts
    i = int(t0 // size)
    while True:
        edge = (i + 1) * size
        if t1 <= edge:
            c[(i * ns + site) * nc + k] += weight * (t1 - t0)
            return
        c[(i * ns + site) * nc + k] += weight * (edge - t0)
        t0 = edge
        i += 1


@njit(cache=True)
def _queue_change(s: Kernel, site: int, delta: int) -> None:
    """``Recorder.queue_change``."""
    now = s.sf[SF_NOW]
    n = s.st[site, T_WAITING]
    if n:
        _accrue(s, s.k[K_QUEUE_S], site, s.sfl[site, L_QUEUE_T], now, n)
    s.sfl[site, L_QUEUE_T] = now
    s.st[site, T_WAITING] = n + delta


@njit(cache=True)
def _staff_change(s: Kernel, site: int, delta: int) -> None:
    """``Recorder.staff_change``."""
    now = s.sf[SF_NOW]
    _accrue(s, s.k[K_STAFFED_S], site, s.sfl[site, L_STAFF_T], now, s.st[site, T_ON])
    s.sfl[site, L_STAFF_T] = now
    s.st[site, T_ON] += delta


@njit(cache=True)
def _add(s: Kernel, c: int, k: int, x: float) -> None:
    """Add ``x`` to counter ``k`` (a ``K_*`` index) of contact ``c``'s bucket."""
    s.counts[s.ci[c, C_BUCKET] + s.k[k]] += x


@njit(cache=True)
def _count_answer(s: Kernel, c: int, site: int) -> float:
    """``Recorder.count_answer``."""
    now = s.sf[SF_NOW]
    t_arr = s.cf[c, F_TARR]
    wait = now - t_arr
    s.ci[c, C_STATE] = ANSWERED
    _add(s, c, K_ANSWERED, 1.0)
    last = s.pi[I_WAIT_BINS] - 1
    if wait > 0:
        _add(s, c, K_WAITED, 1.0)
        _add(s, c, K_WAIT_ANS, wait)
        k = min(int(wait / s.p[P_WAIT_BIN]) + 1, last)
    else:
        k = 0
    if s.ci[c, C_CHANNEL] == CHAT:
        _add(s, c, K_CHAT_ANSWERED, 1.0)
        _add(s, c, K_CHAT_WAIT, wait)
        if wait <= s.p[P_CHAT_SL]:
            _add(s, c, K_WITHIN, 1.0)
            _add(s, c, K_CHAT_WITHIN, 1.0)
    elif wait <= s.p[P_SL]:
        _add(s, c, K_WITHIN, 1.0)
    if s.p[P_WARMUP] <= t_arr < s.p[P_HORIZON]:
        s.wait_hist[site, k] += 1
    return wait


@njit(cache=True)
def _count_reply(s: Kernel, c: int, site: int) -> None:
    """``Recorder.count_reply``."""
    t_arr = s.cf[c, F_TARR]
    response = s.sf[SF_NOW] - t_arr
    _add(s, c, K_EMAIL_REPLIED, 1.0)
    _add(s, c, K_EMAIL_RESPONSE, response)
    if response <= s.p[P_EMAIL_TARGET]:
        _add(s, c, K_EMAIL_WITHIN, 1.0)
    if s.p[P_WARMUP] <= t_arr < s.p[P_HORIZON]:
        k = min(int(response / s.p[P_RESPONSE_BIN]) + 1, s.pi[I_RESPONSE_BINS] - 1) if response > 0 else 0
        s.response_hist[site, k] += 1


@njit(cache=True)
def _log(s: Kernel, c: int, wait: float, handle: float, outcome: int, csat: float, survey: int) -> None:
    """``Recorder.log_contact`` (the driver turns rows into the log's tuples)."""
    if not s.pi[I_LOG]:
        return
    n = s.si[S_LOG_N]
    s.si[S_LOG_N] = n + 1
    li, lf = s.li, s.lf
    li[n, LI_CALLER] = s.ci[c, C_CALLER]
    li[n, LI_ATTEMPT] = s.ci[c, C_ATTEMPT]
    li[n, LI_KIND] = s.ci[c, C_KIND]
    li[n, LI_CTYPE] = s.ci[c, C_CTYPE]
    li[n, LI_SITE] = s.ci[c, C_SITE]
    li[n, LI_AGENT] = s.ci[c, C_AGENT]
    li[n, LI_OUTCOME] = outcome
    li[n, LI_CHANNEL] = s.ci[c, C_CHANNEL]
    li[n, LI_SURVEY] = survey
    lf[n, LF_TARR] = s.cf[c, F_TARR]
    lf[n, LF_WAIT] = wait
    lf[n, LF_HANDLE] = handle
    lf[n, LF_CSAT] = csat


# ---------------------------------------------------------------- streams


@njit(cache=True)
def _next(u: Any, s: Kernel, pos: int) -> float:
    i = s.si[pos]
    s.si[pos] = i + 1
    return u[i]


@njit(cache=True)
def _next_as(u: Any, t: Any, j: int, s: Kernel, pos: int) -> float:
    i = s.si[pos]
    s.si[pos] = i + 1
    return t[j, i]


# ---------------------------------------------------------------- floor (.floor.Floor)


@njit(cache=True)
def _recover(s: Kernel, a: int, tau: float) -> None:
    """``Floor.recover``."""
    now = s.sf[SF_NOW]
    f = s.fatigue[a]
    if f:
        s.fatigue[a] = _fatigue_now(f, s.fatigue_t[a], now, tau)
    s.fatigue_t[a] = now


@njit(cache=True)
def _select(s: Kernel, site: int, able: Any, n: int) -> int:
    """The position in ``able[:n]`` that the site's selection rule picks (``routing.AGENT_SELECTORS``)."""
    rule = s.st[site, T_SELECTOR]
    if rule == SEL_LONGEST:
        return 0
    if rule == SEL_FATIGUE:
        now, tau = s.sf[SF_NOW], s.p[P_RECOVERY_TAU]
        best, best_f = 0, math.inf
        for i in range(n):
            j = able[i]
            f = _fatigue_now(s.fatigue[j], s.fatigue_t[j], now, tau)
            if f < best_f:
                best, best_f = i, f
        return best
    if rule == SEL_PROFICIENT:
        best = 0
        for i in range(1, n):
            if s.proficiency[able[i]] > s.proficiency[able[best]]:
                best = i
        return best
    u = _next(s.sel_u, s, S_POS_SEL)
    return min(int(u * n), n - 1)


@njit(cache=True)
def _idle_remove(s: Kernel, site: int, pos: int) -> None:
    idle = s.idle[site]
    n = s.st[site, T_IDLE_N]
    for i in range(pos, n - 1):
        idle[i] = idle[i + 1]
    s.st[site, T_IDLE_N] = n - 1


@njit(cache=True)
def _idle_remove_agent(s: Kernel, site: int, a: int) -> None:
    idle = s.idle[site]
    for i in range(s.st[site, T_IDLE_N]):
        if idle[i] == a:
            _idle_remove(s, site, i)
            return


@njit(cache=True)
def _pick_idle(s: Kernel, site: int, channel: int) -> int:
    """``Floor.pick_idle``."""
    n = s.st[site, T_IDLE_N]
    if n == 0:
        return -1
    idle = s.idle[site]
    if s.able[site, channel, 0] < 0:  # every agent handles the channel
        pos = _select(s, site, idle, n)
        a = idle[pos]
        _idle_remove(s, site, pos)
        return a
    buf = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if s.able[site, channel, 1 + s.skill[idle[i]]]:
            buf[m] = idle[i]
            m += 1
    if m == 0:
        return -1
    a = buf[_select(s, site, buf, m)]
    _idle_remove_agent(s, site, a)
    return a


@njit(cache=True)
def _handles(s: Kernel, site: int, channel: int, a: int) -> bool:
    return s.able[site, channel, 0] < 0 or s.able[site, channel, 1 + s.skill[a]] > 0


@njit(cache=True)
def _make_idle(s: Kernel, a: int, site: int) -> None:
    s.mode[a] = IDLE
    n = s.st[site, T_IDLE_N]
    s.idle[site, n] = a
    s.st[site, T_IDLE_N] = n + 1


@njit(cache=True)
def _release(s: Kernel, a: int, site: int) -> None:
    """``Floor.release``."""
    pending = s.pending[a]
    if pending:
        s.pending[a] = 0.0
        _staff_change(s, site, -1)
        if pending == SHIFT_END:
            s.mode[a] = OFF
            _accrue(s, s.k[K_OVERTIME_S], site, s.shift_end[a], s.sf[SF_NOW], 1.0)
        else:
            s.mode[a] = BREAK
            push(s, pending, E_BREAK_END, a, s.pending_rest[a], 0.0)
        return
    _available(s, a, site)


@njit(cache=True)
def _leave_floor(s: Kernel, a: int, mode: int) -> None:
    """``Floor._leave_floor``."""
    site = s.agent_site[a]
    _idle_remove_agent(s, site, a)
    s.mode[a] = mode
    _recover(s, a, s.p[P_RECOVERY_TAU])
    _staff_change(s, site, -1)


@njit(cache=True)
def _on_shift_start(s: Kernel, a: int, end: float) -> None:
    """``Floor._on_shift_start``."""
    if s.shift_end[a] < end:
        s.shift_end[a] = end
    mode = s.mode[a]
    if mode == OFF:
        site = s.agent_site[a]
        _recover(s, a, s.p[P_REST_TAU])
        _staff_change(s, site, 1)
        _available(s, a, site)
    elif (mode == BUSY or mode == CHATTING) and s.pending[a] == SHIFT_END:
        s.pending[a] = 0.0


@njit(cache=True)
def _on_shift_end(s: Kernel, a: int, end: float) -> None:
    """``Floor._on_shift_end``."""
    if s.shift_end[a] != end:
        return
    mode = s.mode[a]
    if mode == IDLE:
        _leave_floor(s, a, OFF)
    elif mode == BUSY or mode == CHATTING:
        s.pending[a] = SHIFT_END
    elif mode == BREAK:
        s.mode[a] = OFF


@njit(cache=True)
def _on_break(s: Kernel, a: int, length: float, rest: int) -> None:
    """``Floor._on_break``."""
    mode = s.mode[a]
    if mode == IDLE:
        _leave_floor(s, a, BREAK)
        push(s, length, E_BREAK_END, a, rest, 0.0)
    elif (mode == BUSY or mode == CHATTING) and s.pending[a] == 0.0:
        s.pending[a] = length
        s.pending_rest[a] = rest


@njit(cache=True)
def _on_break_end(s: Kernel, a: int, rest: int) -> None:
    """``Floor._on_break_end``."""
    if s.mode[a] != BREAK:
        return
    if s.sf[SF_NOW] >= s.shift_end[a]:
        s.mode[a] = OFF
        return
    site = s.agent_site[a]
    _recover(s, a, s.p[P_REST_TAU] if rest else s.p[P_RECOVERY_TAU])
    _staff_change(s, site, 1)
    _available(s, a, site)


@njit(cache=True)
def _on_tick(s: Kernel) -> None:
    """``Simulation._ticks``: sample agents' fatigue at the interval's end; schedule the next tick."""
    push(s, s.p[P_INTERVAL], E_TICK, 0, 0, 0.0)
    now, tau = s.sf[SF_NOW], s.p[P_RECOVERY_TAU]
    ns, nc = s.pi[I_SITES], s.pi[I_NC]
    i = s.si[S_TICK_I]
    s.si[S_TICK_I] = i + 1
    sums = np.zeros(ns)
    on = np.zeros(ns, dtype=np.int64)
    for a in range(s.mode.size):
        m = s.mode[a]
        site = s.agent_site[a]
        if m == IDLE:
            sums[site] += _fatigue_now(s.fatigue[a], s.fatigue_t[a], now, tau)
        elif m == BUSY or m == CHATTING:
            sums[site] += s.fatigue[a]
        else:
            continue
        on[site] += 1
    for site in range(ns):
        b = (i * ns + site) * nc
        s.counts[b + s.k[K_FATIGUE_SUM]] += sums[site]
        s.counts[b + s.k[K_FATIGUE_N]] += on[site]


# ---------------------------------------------------------------- call flow (.flow.CallFlow)


@njit(cache=True)
def _next_open(s: Kernel, t: float) -> float:
    """``OpeningCalendar.next_open``."""
    if s.pi[I_ALWAYS_OPEN]:
        return t
    starts, ends = s.open_starts, s.open_ends
    i = np.searchsorted(starts, t, side="right") - 1
    if i >= 0 and t < ends[i]:
        return t
    if i + 1 >= starts.size:
        return t
    close_prev = ends[i] if i >= 0 else 0.0
    length = ends[i + 1] - starts[i + 1]
    return starts[i + 1] + (t - close_prev) % length


@njit(cache=True)
def _route(s: Kernel, u: float) -> int:
    """``routing.Split`` / ``routing.Overflow``."""
    ns = s.pi[I_SITES]
    if s.pi[I_ROUTER] == 0:
        cum = s.route_cum
        for i in range(cum.size):
            if u < cum[i]:
                return i
        return cum.size - 1
    last = ns - 1
    for i in range(ns):
        if i == last or s.st[i, T_IDLE_N] > 0:
            return i
        limit = s.st[i, T_LINE_LIMIT]
        n = s.st[i, T_WAITING]
        room = limit < 0 or n < limit
        if room and n < s.p[P_OVERFLOW]:
            return i
    return last


@njit(cache=True)
def _survey_uniforms(s: Kernel) -> tuple[float, float]:
    """``CallFlow._survey_uniforms``."""
    if not s.p[P_SURVEY_SHARE]:
        return 1.0, 1.0
    a = _next(s.sur_u, s, S_POS_SUR)
    b = _next(s.sur_u, s, S_POS_SUR)
    return a, b


@njit(cache=True)
def _follow_up(s: Kernel, c: int, repeat: bool) -> None:
    """``CallFlow._follow_up``: maybe schedule a redial (``repeat`` False) or repeat of ``c``'s caller."""
    if repeat:
        p, u, t, pos = s.p[P_REPEAT_P], s.rep_u, s.rep_t, S_POS_REP
    else:
        p, u, t, pos = s.p[P_REDIAL_P], s.red_u, s.red_t, S_POS_RED
    if p == 0.0:
        return
    if _next(u, s, pos) >= p:
        return
    now = s.sf[SF_NOW]
    when = _next_open(s, now + _next_as(u, t, 0, s, pos))
    ct = s.ci[c, C_CTYPE]
    patience = _next_as(u, t, 1 + ct, s, pos)
    ns = s.pi[I_SITES]
    i_sup = s.si[pos]
    s.si[pos] = i_sup + 1
    u_irate = _next(u, s, pos)
    u_res = _next(u, s, pos)
    u_esc = _next(u, s, pos)
    u_detect = _next(u, s, pos)
    u_route = _next(u, s, pos)
    u_survey, u_happy = _survey_uniforms(s)
    if s.ci[c, C_CHANNEL] == EMAIL:
        patience = math.inf
    if when < s.p[P_HORIZON]:
        n = _alloc(s)
        s.ci[n, C_CALLER] = s.ci[c, C_CALLER]
        s.ci[n, C_ATTEMPT] = s.ci[c, C_ATTEMPT] + 1
        s.ci[n, C_KIND] = REPEAT if repeat else REDIAL
        s.ci[n, C_CTYPE] = ct
        s.ci[n, C_RANK] = s.ci[c, C_RANK]
        s.ci[n, C_CHANNEL] = s.ci[c, C_CHANNEL]
        s.ci[n, C_SCAM] = s.ci[c, C_SCAM]
        s.cf[n, F_TARR] = when
        s.cf[n, F_PATIENCE] = patience
        s.cf[n, F_BASE] = s.cf[c, F_BASE]
        sup0 = 1 + s.pi[I_TYPES]
        for j in range(ns):
            s.csup[n, j] = t[sup0 + j, i_sup]
        s.cf[n, F_UIRATE] = u_irate
        s.cf[n, F_URES] = u_res
        s.cf[n, F_UESC] = u_esc
        s.cf[n, F_UDETECT] = u_detect
        s.cf[n, F_UROUTE] = u_route
        s.cf[n, F_USURVEY] = u_survey
        s.cf[n, F_UHAPPY] = u_happy
        push(s, when - now, E_FOLLOW, n, s.ci[n, C_GEN], 0.0)


@njit(cache=True)
def _on_base_arrival(s: Kernel) -> None:
    """``CallFlow._on_base_arrival``: the day's next base contact arrives; schedule the one after."""
    i = s.si[S_DAY_I]
    s.si[S_DAY_I] = i + 1
    d_t = s.d_t
    if i + 1 < s.si[S_DAY_N]:
        push(s, d_t[i + 1] - d_t[i], E_BASE, 0, 0, 0.0)
    c = _alloc(s)
    ct = s.d_ct[i]
    s.ci[c, C_CALLER] = s.si[S_DAY_FIRST] + i
    s.ci[c, C_ATTEMPT] = 0
    s.ci[c, C_KIND] = FIRST
    s.ci[c, C_CTYPE] = ct
    s.ci[c, C_RANK] = s.type_rank[ct]
    s.ci[c, C_CHANNEL] = s.type_channel[ct]
    s.ci[c, C_SCAM] = s.d_scam[i]
    s.cf[c, F_PATIENCE] = s.d_pat[i]
    s.cf[c, F_BASE] = s.d_base[i]
    for j in range(s.pi[I_SITES]):
        s.csup[c, j] = s.d_sup[j, i]
    s.cf[c, F_UIRATE] = s.d_u[0, i]
    s.cf[c, F_URES] = s.d_u[1, i]
    s.cf[c, F_UESC] = s.d_u[2, i]
    s.cf[c, F_UDETECT] = s.d_u[4, i]
    s.cf[c, F_UROUTE] = s.d_u[5, i]
    s.cf[c, F_USURVEY] = s.d_surv[0, i]
    s.cf[c, F_UHAPPY] = s.d_surv[1, i]
    _offer(s, c)


@njit(cache=True)
def _offer(s: Kernel, c: int) -> None:
    """``CallFlow._offer``."""
    now = s.sf[SF_NOW]
    s.cf[c, F_TARR] = now
    site = _route(s, s.cf[c, F_UROUTE])
    s.ci[c, C_SITE] = site
    s.ci[c, C_BUCKET] = (int(now // s.p[P_INTERVAL]) * s.pi[I_SITES] + site) * s.pi[I_NC]
    ch = s.ci[c, C_CHANNEL]
    if ch == EMAIL:
        _offer_email(s, c, site)
        return
    _add(s, c, K_OFFERED, 1.0)
    _add(s, c, K_UNIQUE + s.ci[c, C_KIND], 1.0)
    if ch == CHAT:
        _add(s, c, K_CHAT_OFFERED, 1.0)
        a = _chat_agent(s, site)
        if a >= 0:
            _start_chat(s, c, site, a)
            return
        s.st[site, T_CHAT_WAITING] += 1
        _queue_change(s, site, 1)
        _q_append(s, _q_chat(s, site), c)
    else:
        a = _pick_idle(s, site, VOICE)
        if a >= 0:
            _answer(s, c, site, a)
            return
        limit = s.st[site, T_LINE_LIMIT]
        if limit >= 0 and s.st[site, T_WAITING] - s.st[site, T_CHAT_WAITING] >= limit:
            _add(s, c, K_BLOCKED, 1.0)
            _log(s, c, 0.0, 0.0, LOG_BLOCKED, math.nan, -1)
            _follow_up(s, c, False)
            _done(s, c)
            return
        _queue_change(s, site, 1)
        _q_append(s, _q_voice(s, site, s.ci[c, C_RANK]), c)
    if s.cf[c, F_PATIENCE] != math.inf:
        push(s, s.cf[c, F_PATIENCE], E_PATIENCE, c, s.ci[c, C_GEN], 0.0)


@njit(cache=True)
def _offer_email(s: Kernel, c: int, site: int) -> None:
    """``CallFlow._offer_email``."""
    _add(s, c, K_EMAIL_ARRIVED, 1.0)
    if s.st[site, T_IDLE_N] > s.pi[I_EMAIL_RESERVE]:
        a = _pick_idle(s, site, EMAIL)
        if a >= 0:
            _answer(s, c, site, a)
            return
    _q_append(s, _q_email(s, site), c)
    s.st[site, T_EMAILS_N] += 1
    if s.p[P_CHASE_S] != math.inf:
        push(s, s.p[P_CHASE_S], E_CHASE, c, s.ci[c, C_GEN], 0.0)


@njit(cache=True)
def _on_chase(s: Kernel, email: int) -> None:
    """``CallFlow._on_chase``."""
    if s.ci[email, C_STATE] != WAITING or _next(s.cha_u, s, S_POS_CHA) >= s.p[P_CHASE_P]:
        return
    now = s.sf[SF_NOW]
    when = _next_open(s, now)
    ct = s.pi[I_CHASE_TYPE]
    u, t = s.cha_u, s.cha_t
    patience = _next_as(u, t, 1, s, S_POS_CHA)
    base = _next_as(u, t, 0, s, S_POS_CHA)
    i_sup = s.si[S_POS_CHA]
    s.si[S_POS_CHA] = i_sup + 1
    u_irate = _next(u, s, S_POS_CHA)
    u_res = _next(u, s, S_POS_CHA)
    u_esc = _next(u, s, S_POS_CHA)
    scam = _next(u, s, S_POS_CHA) < s.scam_p[ct]
    u_detect = _next(u, s, S_POS_CHA)
    u_route = _next(u, s, S_POS_CHA)
    u_survey, u_happy = _survey_uniforms(s)
    if when < s.p[P_HORIZON]:
        _add(s, email, K_EMAIL_CHASED, 1.0)
        n = _alloc(s)
        s.ci[n, C_CALLER] = s.ci[email, C_CALLER]
        s.ci[n, C_ATTEMPT] = s.ci[email, C_ATTEMPT] + 1
        s.ci[n, C_KIND] = REPEAT
        s.ci[n, C_CTYPE] = ct
        s.ci[n, C_RANK] = s.type_rank[ct]
        s.ci[n, C_CHANNEL] = VOICE
        s.ci[n, C_SCAM] = scam
        s.cf[n, F_TARR] = when
        s.cf[n, F_PATIENCE] = patience
        s.cf[n, F_BASE] = base
        for j in range(s.pi[I_SITES]):
            s.csup[n, j] = t[2 + j, i_sup]
        s.cf[n, F_UIRATE] = u_irate
        s.cf[n, F_URES] = u_res
        s.cf[n, F_UESC] = u_esc
        s.cf[n, F_UDETECT] = u_detect
        s.cf[n, F_UROUTE] = u_route
        s.cf[n, F_USURVEY] = u_survey
        s.cf[n, F_UHAPPY] = u_happy
        push(s, when - now, E_FOLLOW, n, s.ci[n, C_GEN], 0.0)


@njit(cache=True)
def _on_patience(s: Kernel, c: int) -> None:
    """``CallFlow._on_patience``."""
    if s.ci[c, C_STATE] != WAITING:
        return
    s.ci[c, C_STATE] = ABANDONED
    site = s.ci[c, C_SITE]
    _queue_change(s, site, -1)
    patience = s.cf[c, F_PATIENCE]
    _add(s, c, K_ABANDONED, 1.0)
    _add(s, c, K_WAIT_AB, patience)
    if patience > 0:
        _add(s, c, K_WAITED, 1.0)
    if s.ci[c, C_CHANNEL] == CHAT:
        s.st[site, T_CHAT_WAITING] -= 1
        _add(s, c, K_CHAT_ABANDONED, 1.0)
    _log(s, c, patience, 0.0, LOG_ABANDONED, math.nan, -1)
    _follow_up(s, c, False)
    _done(s, c)


@njit(cache=True)
def _decide(s: Kernel, c: int, site: int, p: float, f: float, r: float, irate: bool, fcr_factor: float) -> float:
    """``CallFlow._decide``."""
    ct = s.ci[c, C_CTYPE]
    s.ci[c, C_IRATE] = irate
    factor = 1.0
    if s.ci[c, C_SCAM]:
        if s.cf[c, F_UDETECT] < _detection_probability(p, s.p[P_DETECT_FLOOR]):
            s.ci[c, C_OUTCOME] = SCAM_DETECTED
            factor = s.p[P_SCAM_FRACTION]
        else:
            s.ci[c, C_OUTCOME] = SCAM_MISSED
    elif s.cf[c, F_UESC] < _escalation_probability(s.escalation_p[ct], p, irate, s.p[P_NOVICE_ESC],
                                                   s.p[P_IRATE_ESC]):
        s.ci[c, C_OUTCOME] = ESCALATED
    elif s.cf[c, F_URES] < _resolution_probability(s.fcr[ct], s.sfl[site, L_RES_MULT], p, f, r, s.p[P_FCR_FLOOR],
                                                   s.p[P_FATIGUE_ERROR], s.p[P_RUSH_FCR]) * fcr_factor:
        s.ci[c, C_OUTCOME] = RESOLVED
    else:
        s.ci[c, C_OUTCOME] = UNRESOLVED
    return factor


@njit(cache=True)
def _handle_time(s: Kernel, c: int, p: float, f: float, r: float, irate: bool) -> float:
    return _handle_time_s(s.cf[c, F_BASE], p, f, r, irate, s.p[P_NOVICE_SLOW], s.p[P_FATIGUE_SLOW], s.p[P_RUSH],
                          s.p[P_IRATE_HANDLE])


@njit(cache=True)
def _answer(s: Kernel, c: int, site: int, a: int) -> None:
    """``CallFlow._answer``: agent ``a`` takes a voice call or an email."""
    email = s.ci[c, C_CHANNEL] == EMAIL
    if email:
        s.ci[c, C_STATE] = ANSWERED
        s.st[site, T_EMAIL_IN] += 1
        wait = 0.0
    else:
        wait = _count_answer(s, c, site)
    p = s.proficiency[a]
    _recover(s, a, s.p[P_RECOVERY_TAU])
    f = s.fatigue[a]
    r = s.pressure[a]
    ct = s.ci[c, C_CTYPE]
    irate = s.cf[c, F_UIRATE] < _irate_probability(s.irate_p[ct], s.p[P_ANGER], wait)
    if irate and not email:
        _add(s, c, K_IRATE, 1.0)
    ht = _handle_time(s, c, p, f, r, irate)
    if s.ci[c, C_SCAM]:
        ht *= _decide(s, c, site, p, f, r, irate, 1.0)
    else:
        _decide(s, c, site, p, f, r, irate, 1.0)
    s.ci[c, C_AGENT] = a
    s.cf[c, F_TANS] = s.sf[SF_NOW]
    s.mode[a] = BUSY
    push(s, ht, E_SERVICE_END, c, s.ci[c, C_GEN], 0.0)


@njit(cache=True)
def _on_service_end(s: Kernel, c: int) -> None:
    """``CallFlow._on_service_end``."""
    now = s.sf[SF_NOW]
    a, site = s.ci[c, C_AGENT], s.ci[c, C_SITE]
    t_ans = s.cf[c, F_TANS]
    handle = now - t_ans
    _accrue(s, s.k[K_BUSY_S], site, t_ans, now, 1.0)
    if s.ci[c, C_CHANNEL] == EMAIL:
        s.st[site, T_EMAIL_IN] -= 1
        _count_reply(s, c, site)
    _finish(s, c, a, site, handle, 1.0)
    _release(s, a, site)


@njit(cache=True)
def _finish(s: Kernel, c: int, a: int, site: int, handle: float, load_factor: float) -> None:
    """``CallFlow._finish``: learning, load, outcome counters, satisfaction, follow-ups; recycles ``c``."""
    now = s.sf[SF_NOW]
    _add(s, c, K_HANDLED, 1.0)
    _add(s, c, K_HANDLE_S, handle)
    p = s.proficiency[a]
    outcome = s.ci[c, C_OUTCOME]
    irate = s.ci[c, C_IRATE] != 0
    if s.pi[I_FATIGUE_ON]:
        load = _contact_load(p, irate, outcome == UNRESOLVED or outcome == ESCALATED, s.frailty[a], s.p[P_LOAD],
                             s.p[P_COPING], s.p[P_IRATE_LOAD], s.p[P_FAILED_LOAD]) * load_factor
        s.fatigue[a] += load
        s.fatigue_t[a] = now
        s.day_load[a] += load
    if s.pi[I_LEARNING_ON]:
        s.proficiency[a] = _learn(p, s.p[P_LEARN])
    s.calls_handled[a] += 1
    channel = s.ci[c, C_CHANNEL]
    if channel == VOICE:
        s.kpi_handle_s[a] += handle
        s.kpi_calls[a] += 1
    survey = -1
    csat = math.nan
    t_arr, t_ans = s.cf[c, F_TARR], s.cf[c, F_TANS]
    follow = False
    if outcome >= SCAM_DETECTED:
        _add(s, c, K_SCAMS, 1.0)
        if outcome == SCAM_MISSED:
            _add(s, c, K_SCAMS_MISSED, 1.0)
    else:
        _add(s, c, K_RESOLVABLE, 1.0)
        wait = now - t_arr if channel == EMAIL else t_ans - t_arr
        csat = _satisfaction(s.sat_channel[channel], s.wait_target[channel], s.ci[c, C_ATTEMPT], wait,
                             outcome == RESOLVED, outcome == ESCALATED, irate, p, s.pressure[a], s.p[P_SAT],
                             s.p[P_SAT + 1], s.p[P_SAT + 2], s.p[P_SAT + 3], s.p[P_SAT + 4], s.p[P_SAT + 5],
                             s.p[P_SAT + 6], s.p[P_SAT + 7], s.p[P_SAT + 8])
        survey = _score(s, c, csat, a)
        if outcome == RESOLVED:
            _add(s, c, K_RESOLVED, 1.0)
        elif outcome == ESCALATED:
            _add(s, c, K_ESCALATIONS, 1.0)
            follow = _escalate(s, c, site)
        else:
            _follow_up(s, c, True)
    _log(s, c, t_ans - t_arr, handle, outcome, csat, survey)
    if not follow:
        _done(s, c)


@njit(cache=True)
def _score(s: Kernel, c: int, csat: float, a: int) -> int:
    """``CallFlow._score``."""
    _add(s, c, K_CSAT_N, 1.0)
    _add(s, c, K_CSAT_SUM, csat)
    s.csat_sum[a] += csat
    s.csat_n[a] += 1
    share = s.p[P_SURVEY_SHARE]
    u_survey = s.cf[c, F_USURVEY]
    if u_survey >= share:
        return -1
    _add(s, c, K_SURVEYS, 1.0)
    satisfied = s.cf[c, F_UHAPPY] < csat
    if u_survey >= share * (s.p[P_RESPONSE_P] if satisfied else s.p[P_UNHAPPY_P]):
        return -1
    _add(s, c, K_RESPONSES, 1.0)
    s.survey_n[a] += 1
    if satisfied:
        _add(s, c, K_SATISFIED, 1.0)
        s.survey_pos[a] += 1
    return 1 if satisfied else 0


# ---------------------------------------------------------------- chat


@njit(cache=True)
def _chat_agent(s: Kernel, site: int) -> int:
    """``CallFlow._chat_agent``."""
    a = _pick_idle(s, site, CHAT)
    if a >= 0:
        return a
    best, fewest = -1, s.pi[I_MAX_CHATS]
    for i in range(s.st[site, T_CHATTING_N]):
        a = s.chatting[site, i]
        n = s.n_chats[a]
        if n < fewest and not s.pending[a]:
            best, fewest = a, n
    return best


@njit(cache=True)
def _start_chat(s: Kernel, c: int, site: int, a: int) -> None:
    """``CallFlow._start_chat``."""
    now = s.sf[SF_NOW]
    wait = _count_answer(s, c, site)
    if s.mode[a] != CHATTING:
        _recover(s, a, s.p[P_RECOVERY_TAU])
        s.mode[a] = CHATTING
        n = s.st[site, T_CHATTING_N]
        s.chatting[site, n] = a
        s.st[site, T_CHATTING_N] = n + 1
        s.chat_since[a] = now
        s.chat_t[a] = now
    else:
        _chat_progress(s, a)
    ct = s.ci[c, C_CTYPE]
    irate = s.cf[c, F_UIRATE] < _irate_probability(s.irate_p[ct], s.p[P_ANGER], wait)
    s.ci[c, C_IRATE] = irate
    if irate:
        _add(s, c, K_IRATE, 1.0)
    s.cf[c, F_WORK] = _handle_time(s, c, s.proficiency[a], s.fatigue[a], s.pressure[a], irate)
    s.cf[c, F_CONC0] = s.chat_int[a]
    s.ci[c, C_AGENT] = a
    s.cf[c, F_TANS] = now
    n = s.n_chats[a]
    s.chats[a, n] = c
    s.n_chats[a] = n + 1
    _chat_schedule(s, a)


@njit(cache=True)
def _chat_progress(s: Kernel, a: int) -> None:
    """``CallFlow._chat_progress``."""
    now = s.sf[SF_NOW]
    dt = now - s.chat_t[a]
    if dt > 0:
        n = s.n_chats[a]
        done = dt * s.chat_rate[n]
        for i in range(n):
            s.cf[s.chats[a, i], F_WORK] -= done
        s.chat_int[a] += n * dt
    s.chat_t[a] = now


@njit(cache=True)
def _chat_schedule(s: Kernel, a: int) -> None:
    """``CallFlow._chat_schedule``."""
    n = s.n_chats[a]
    s.chat_ver[a] += 1
    if n:
        left = math.inf
        for i in range(n):
            left = min(left, s.cf[s.chats[a, i], F_WORK])
        push(s, max(left, 0.0) / s.chat_rate[n], E_CHAT_END, a, s.chat_ver[a], 0.0)


@njit(cache=True)
def _on_chat_end(s: Kernel, a: int, ver: int) -> None:
    """``CallFlow._on_chat_end``."""
    if ver != s.chat_ver[a]:
        return
    now = s.sf[SF_NOW]
    _chat_progress(s, a)
    site = s.agent_site[a]
    n = s.n_chats[a]
    done = math.inf
    for i in range(n):
        done = min(done, s.cf[s.chats[a, i], F_WORK])
    done += EPS_S
    ended = np.empty(n, dtype=np.int64)
    m = 0
    kept = 0
    for i in range(n):
        c = s.chats[a, i]
        if s.cf[c, F_WORK] <= done:
            ended[m] = c
            m += 1
        else:
            s.chats[a, kept] = c
            kept += 1
    s.n_chats[a] = kept
    for i in range(m):
        c = ended[i]
        handle = now - s.cf[c, F_TANS]
        mm = (s.chat_int[a] - s.cf[c, F_CONC0]) / handle if handle > 0 else 1.0
        _add(s, c, K_CHAT_S, handle)
        p, f, r = s.proficiency[a], s.fatigue[a], s.pressure[a]
        irate = s.ci[c, C_IRATE] != 0
        if s.ci[c, C_SCAM]:
            _decide(s, c, site, p, f, r, irate, 1.0)
        else:
            _decide(s, c, site, p, f, r, irate, _chat_resolution_factor(mm, s.p[P_CHAT_FCR]))
        _finish(s, c, a, site, handle, _chat_load_factor(mm, s.p[P_CHAT_LOAD]))
    if kept:
        if not s.pending[a]:
            _take_chats(s, a, site)
        _chat_schedule(s, a)
        return
    s.chat_ver[a] += 1
    nc = s.st[site, T_CHATTING_N]
    j = 0
    for i in range(nc):
        if s.chatting[site, i] != a:
            s.chatting[site, j] = s.chatting[site, i]
            j += 1
    s.st[site, T_CHATTING_N] = j
    _accrue(s, s.k[K_BUSY_S], site, s.chat_since[a], now, 1.0)
    _accrue(s, s.k[K_CHAT_AGENT_S], site, s.chat_since[a], now, 1.0)
    s.mode[a] = BUSY
    _release(s, a, site)


@njit(cache=True)
def _take_chats(s: Kernel, a: int, site: int) -> bool:
    """``CallFlow._take_chats``."""
    if not _handles(s, site, CHAT, a):
        return False
    q = _q_chat(s, site)
    took = False
    while s.qhead.flat[q] >= 0 and s.n_chats[a] < s.pi[I_MAX_CHATS]:
        c = _q_pop(s, q)
        if c >= 0:
            s.st[site, T_CHAT_WAITING] -= 1
            _queue_change(s, site, -1)
            _start_chat(s, c, site, a)
            took = True
    return took


# ---------------------------------------------------------------- supervisors


@njit(cache=True)
def _escalate(s: Kernel, c: int, site: int) -> bool:
    """``CallFlow._escalate``; whether the contact lives on (with a supervisor or in their queue)."""
    if s.st[site, T_SUP_COUNT] == 0:
        _follow_up(s, c, True)
        return False
    now = s.sf[SF_NOW]
    s.cf[c, F_TESC] = now
    if s.st[site, T_SUP_BUSY] < s.st[site, T_SUP_ON]:
        _supervise(s, c, site)
        return True
    s.ci[c, C_STATE] = SUP_WAITING
    _q_append(s, _q_sup(s, site), c)
    s.st[site, T_SUP_WAITING] += 1
    patience = s.cf[c, F_PATIENCE] * s.sfl[site, L_SUP_PATIENCE]
    if patience != math.inf:
        push(s, patience, E_SUP_PATIENCE, c, s.ci[c, C_GEN], 0.0)
    return True


@njit(cache=True)
def _supervise(s: Kernel, c: int, site: int) -> None:
    """``CallFlow._supervise``."""
    s.ci[c, C_STATE] = SUP_SERVED
    s.st[site, T_SUP_BUSY] += 1
    _add(s, c, K_SUP_ANSWERED, 1.0)
    _add(s, c, K_SUP_WAIT, s.sf[SF_NOW] - s.cf[c, F_TESC])
    push(s, s.csup[c, site], E_SUP_END, c, s.ci[c, C_GEN], 0.0)


@njit(cache=True)
def _next_escalation(s: Kernel, site: int) -> None:
    """``CallFlow._next_escalation``."""
    q = _q_sup(s, site)
    while s.qhead.flat[q] >= 0 and s.st[site, T_SUP_BUSY] < s.st[site, T_SUP_ON]:
        c = _q_pop(s, q)
        if c >= 0:
            s.st[site, T_SUP_WAITING] -= 1
            _supervise(s, c, site)


@njit(cache=True)
def _on_supervisor_patience(s: Kernel, c: int) -> None:
    """``CallFlow._on_supervisor_patience``."""
    if s.ci[c, C_STATE] != SUP_WAITING:
        return
    s.ci[c, C_STATE] = SUP_ABANDONED
    site = s.ci[c, C_SITE]
    s.st[site, T_SUP_WAITING] -= 1
    _add(s, c, K_SUP_ABANDONED, 1.0)
    _add(s, c, K_SUP_WAIT, s.sf[SF_NOW] - s.cf[c, F_TESC])
    _follow_up(s, c, True)
    _done(s, c)


@njit(cache=True)
def _on_supervisor_end(s: Kernel, c: int) -> None:
    """``CallFlow._on_supervisor_end``."""
    site = s.ci[c, C_SITE]
    if s.cf[c, F_URES] < s.sfl[site, L_SUP_RES_P]:
        _add(s, c, K_SUP_RESOLVED, 1.0)
    else:
        _follow_up(s, c, True)
    s.st[site, T_SUP_BUSY] -= 1
    _done(s, c)
    _next_escalation(s, site)


# ---------------------------------------------------------------- dispatch


@njit(cache=True)
def _available(s: Kernel, a: int, site: int) -> None:
    """``CallFlow.available``: agent ``a`` is free."""
    if _handles(s, site, VOICE, a):
        for rank in range(s.pi[I_RANKS]):
            q = _q_voice(s, site, rank)
            while s.qhead.flat[q] >= 0:
                c = _q_pop(s, q)
                if c >= 0:
                    _queue_change(s, site, -1)
                    _answer(s, c, site, a)
                    return
    if s.st[site, T_CHAT_WAITING] and _take_chats(s, a, site):
        return
    _make_idle(s, a, site)
    if s.st[site, T_EMAILS_N]:
        _serve_emails(s, site)


@njit(cache=True)
def _serve_emails(s: Kernel, site: int) -> None:
    """``CallFlow._serve_emails``."""
    q = _q_email(s, site)
    while s.st[site, T_EMAILS_N] and s.st[site, T_IDLE_N] > s.pi[I_EMAIL_RESERVE]:
        a = _pick_idle(s, site, EMAIL)
        if a < 0:
            return
        c = _q_pop(s, q)
        s.st[site, T_EMAILS_N] -= 1
        _answer(s, c, site, a)


@njit(cache=True)
def _on_supervisor_duty(s: Kernel, site: int, n_on: int) -> None:
    """``CallFlow.on_supervisor_duty``."""
    s.st[site, T_SUP_ON] = n_on
    _next_escalation(s, site)


@njit(cache=True)
def _live(s: Kernel, c: int, gen: int) -> bool:
    """Whether an event for contact ``c`` of generation ``gen`` still refers to it (else the row was recycled)."""
    return s.ci[c, C_GEN] == gen


@njit(cache=True)
def in_system(s: Kernel) -> bool:
    """``CallFlow.in_system``."""
    for a in range(s.mode.size):
        if s.mode[a] == BUSY or s.mode[a] == CHATTING:
            return True
    for site in range(s.pi[I_SITES]):
        if s.st[site, T_WAITING] or s.st[site, T_SUP_BUSY] or s.st[site, T_SUP_WAITING]:
            return True
    return False


@njit(cache=True)
def run(s: Kernel, until: float, need_u: int, need_sel: int, need_calls: int, need_heap: int, need_log: int) -> int:
    """Process events with time below ``until`` (``ST_UNTIL``, the clock then at ``until``).

    Returns early, between events, with ``ST_DAY`` after a day-start event (the driver opens
    the day), ``ST_REFILL`` when a stream has fewer uniforms left than one event may use, or
    ``ST_GROW`` when the contact pool, the heap or the call-log buffer may not hold one more event's.
    """
    while True:
        if s.si[S_HEAP_N] == 0 or s.ht[0] >= until:
            s.sf[SF_NOW] = until
            return ST_UNTIL
        if (s.red_u.size - s.si[S_POS_RED] < need_u or s.rep_u.size - s.si[S_POS_REP] < need_u
                or s.sur_u.size - s.si[S_POS_SUR] < need_u or s.cha_u.size - s.si[S_POS_CHA] < need_u
                or s.sel_u.size - s.si[S_POS_SEL] < need_sel):
            return ST_REFILL
        if (s.si[S_FREE_N] < need_calls or s.ht.size - s.si[S_HEAP_N] < need_heap
                or (s.pi[I_LOG] and s.li.shape[0] - s.si[S_LOG_N] < need_log)):
            return ST_GROW
        s.sf[SF_NOW] = s.ht[0]
        kind, a, b, x = s.hkind[0], s.ha[0], s.hb[0], s.hx[0]
        _pop(s)
        if kind == E_BASE:
            _on_base_arrival(s)
        elif kind == E_SERVICE_END:
            if _live(s, a, b):
                _on_service_end(s, a)
        elif kind == E_PATIENCE:
            if _live(s, a, b):
                _on_patience(s, a)
        elif kind == E_FOLLOW:
            _offer(s, a)
        elif kind == E_CHAT_END:
            _on_chat_end(s, a, b)
        elif kind == E_TICK:
            _on_tick(s)
        elif kind == E_SHIFT_START:
            _on_shift_start(s, a, x)
        elif kind == E_SHIFT_END:
            _on_shift_end(s, a, x)
        elif kind == E_BREAK:
            _on_break(s, a, x, b)
        elif kind == E_BREAK_END:
            _on_break_end(s, a, b)
        elif kind == E_CHASE:
            if _live(s, a, b):
                _on_chase(s, a)
        elif kind == E_SUP_PATIENCE:
            if _live(s, a, b):
                _on_supervisor_patience(s, a)
        elif kind == E_SUP_END:
            _on_supervisor_end(s, a)
        elif kind == E_SUP_DUTY:
            _on_supervisor_duty(s, a, b)
        elif kind == E_DAY:
            return ST_DAY
