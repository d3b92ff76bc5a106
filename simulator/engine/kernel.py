"""The compiled engine's event loop: the SimPy model's call flow and floor, as numba kernels.

Every handler here is the compiled twin of a method of :mod:`.flow` or :mod:`.floor` (named
in its docstring) and must stay so: same decisions, same order of random draws, same event
ordering, same floating-point expressions. The equations themselves are not copied: the
per-contact formulas are :mod:`simulator.formulas`' scalar functions and the fatigue decay
is :func:`simulator.workforce.fatigue_now`, compiled as they are.

State is a struct of arrays, :class:`Kernel` (built by :mod:`.fast`; compiled functions receive
it as one pointer to a descriptor of the arrays, with no reference counting):

- the event heap, ordered by ``(time, sequence)`` like SimPy's ``(time, priority, eid)``
  (every event of the model is a ``Timeout`` of normal priority, so the sequence number of
  creation breaks ties exactly as SimPy's event id does); the next base arrival waits in a slot
  of its own, and waiting callers' patience timers in a heap of their own, from which answering
  removes them; :func:`run` takes the earliest of the three by ``(time, sequence)``;
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

import functools
import hashlib
import math
import os
from pathlib import Path
from typing import Any

import numba
import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit
from numba.core import types
from numba.core.extending import NativeValue, models, register_model, typeof_impl, unbox
from numba.core.imputils import impl_ret_untracked, lower_getattr_generic
from numba.core.typing.templates import AttributeTemplate, infer_getattr
from numba.np.arrayobj import populate_array

from .. import formulas as F
from .. import workforce as W


def _cache_dir() -> Path:
    """A folder per digest of the compiled sources (numba checks only each function's own file)."""
    here = Path(__file__).resolve()
    digest = hashlib.sha256(numba.__version__.encode())
    for path in (here, here.parent.parent / "formulas.py", here.parent.parent / "workforce.py"):
        digest.update(path.read_bytes())
    base = os.environ.get("NUMBA_CACHE_DIR") or str(Path.home() / ".cache" / "callsim" / "numba")
    return Path(base) / digest.hexdigest()[:16]


CACHE_DIR = _cache_dir()
"""Where this module's compiled functions are cached (set while they are defined, then restored)."""
_user_cache_dir = numba.config.CACHE_DIR  # type: ignore[attr-defined]
numba.config.CACHE_DIR = str(CACHE_DIR)  # type: ignore[attr-defined]

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
# Where run() takes the next event from: none, the event heap, the base-arrival slot, the patience timers.
SRC_NONE, SRC_HEAP, SRC_BASE, SRC_PATIENCE = 0, 1, 2, 3

# Contact fields: ci (int64) and cf (float64) columns.
C_CALLER, C_ATTEMPT, C_KIND, C_CTYPE, C_RANK, C_CHANNEL, C_SITE, C_BUCKET, C_STATE, C_AGENT, C_OUTCOME = range(11)
C_IRATE, C_SCAM, C_GEN, C_NEXT, C_INQ, C_PPOS = 11, 12, 13, 14, 15, 16
NCI = 17
(F_TARR, F_PATIENCE, F_BASE, F_UIRATE, F_URES, F_UESC, F_UDETECT, F_UROUTE, F_USURVEY, F_UHAPPY, F_TANS, F_TESC,
 F_WORK, F_CONC0) = range(14)
F_SUP = 14
"""First of the per-site supervisor handle times (``cf`` has ``F_SUP + n_sites`` columns)."""
U_IRATE, U_RESOLVE, U_ESCALATE, U_SCAM, U_DETECT, U_ROUTE = range(6)
"""Rows of ``d_u``: the day's decision uniforms (``demand.DECISIONS`` order)."""

# Agents: ai (int64) and af (float64) columns.
(A_MODE, A_PENDING_REST, A_SKILL, A_SITE, A_NCHATS, A_CHAT_VER, A_CALLS, A_KPI_CALLS, A_CSAT_N, A_SURVEY_N,
 A_SURVEY_POS) = range(11)
NAI = 11
(A_PENDING, A_SHIFT_END, A_CHAT_T, A_CHAT_INT, A_CHAT_SINCE, A_PROF, A_FATIGUE, A_FATIGUE_T, A_PRESSURE, A_FRAILTY,
 A_DAY_LOAD, A_KPI_HANDLE, A_CSAT_SUM) = range(13)
NAF = 13
AGENT_INTS = {A_CALLS: "calls_handled", A_KPI_CALLS: "kpi_calls", A_CSAT_N: "csat_n", A_SURVEY_N: "survey_n",
              A_SURVEY_POS: "survey_pos"}
"""``ai`` columns that are :class:`~simulator.workforce.AgentState` fields (copied in and out each day)."""
AGENT_FLOATS = {A_PROF: "proficiency", A_FATIGUE: "fatigue", A_FATIGUE_T: "fatigue_t", A_PRESSURE: "pressure",
                A_FRAILTY: "frailty", A_DAY_LOAD: "day_load", A_KPI_HANDLE: "kpi_handle_s", A_CSAT_SUM: "csat_sum"}
"""``af`` columns that are :class:`~simulator.workforce.AgentState` fields."""

# Event heap: hf (time, value) and hi (sequence, kind, two arguments).
H_T, H_X = 0, 1
H_SEQ, H_KIND, H_A, H_B = 0, 1, 2, 3

# Event-loop streams: rows of su (uniforms) and, for the first three, tr (their transforms).
R_RED, R_REP, R_CHA, R_SUR, R_SEL = 0, 1, 2, 3, 4
N_STREAMS = 5

# Global scalars: si (int64) and sf (float64).
S_SEQ, S_HEAP_N, S_FREE_N, S_LOG_N, S_DAY_I, S_DAY_N, S_DAY_FIRST, S_TICK_I = range(8)
S_POS = 8
"""``si[S_POS + r]``: the next uniform of stream ``r``."""
S_LEN = S_POS + N_STREAMS
"""``si[S_LEN + r]``: the uniforms stream ``r`` has in ``su``."""
S_BASE_ON = S_LEN + N_STREAMS
"""Whether the next base arrival waits in its own slot (``sf[SF_BASE_T]``, ``si[S_BASE_SEQ]``), not in the heap."""
S_BASE_SEQ = S_BASE_ON + 1
S_PAT_N = S_BASE_SEQ + 1
"""Patience timers in their heap (``pt``, ``pk``)."""
S_NEED = S_PAT_N + 1
"""``si[S_NEED + r]``: the unread uniforms stream ``r`` must have before an event (0: the run never reads it)."""
S_ANY_NEED = S_NEED + N_STREAMS
"""Whether any stream has a need (else ``run`` checks none)."""
NSI = S_ANY_NEED + 1
SF_NOW, SF_BASE_T = 0, 1
NSF = 2

# Site fields: site_i (int64) and site_f (float64).
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
 I_LOG, I_WAIT_BINS, I_RESPONSE_BINS, I_TYPES, I_NC, I_WHOLE_INTERVAL) = range(15)
NPI = 15
"""``pi[I_WHOLE_INTERVAL]``: the interval length is a whole number of seconds (see :func:`_interval_of`)."""

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
_irate_probability = njit(inline="always")(F.irate_probability)
_handle_time_s = njit(inline="always")(F.handle_time_s)
_detection_probability = njit(inline="always")(F.detection_probability)
_escalation_probability = njit(inline="always")(F.escalation_probability)
_resolution_probability = njit(inline="always")(F.resolution_probability)
_contact_load = njit(inline="always")(F.contact_load)
_satisfaction = njit(inline="always")(F.satisfaction)
_chat_resolution_factor = njit(inline="always")(F.chat_resolution_factor)
_chat_load_factor = njit(inline="always")(F.chat_load_factor)
_fatigue_now = njit(inline="always")(W.fatigue_now)
_learn = njit(inline="always")(W.learn)


FIELDS: tuple[str, ...] = (
    "si", "sf", "p", "pi", "k", "tf", "ti", "chan", "chat_rate", "route_cum", "cal", "hf", "hi", "ci", "cf", "free",
    "site_i", "site_f", "q", "idle", "chatting", "able", "ai", "af", "chats", "counts", "wait_hist", "response_hist",
    "li", "lf", "su", "tr", "d_t", "d_ct", "d_pat", "d_base", "d_u", "d_us", "d_sup", "scratch_a", "scratch_c",
    "scratch_f", "scratch_i", "pt", "pk",
)
"""The kernel state's arrays, in constructor order:

- ``si``: Int scalars (``S_*``).
- ``sf``: Float scalars: the clock.
- ``p``: Float parameters (``P_*``).
- ``pi``: Int parameters (``I_*``).
- ``k``: Counter offsets (:data:`COUNTERS` order, ``metrics.K`` values).
- ``tf``: Per call type: scam, irate, fcr and escalation probabilities.
- ``ti``: Per call type: priority rank and channel.
- ``chan``: Per channel: satisfaction base and the wait target (s).
- ``chat_rate``: Progress rate of each chat of an agent holding n chats: c(n) / n.
- ``route_cum``: Cumulative site shares (split routing).
- ``cal``: Opening calendar: starts and ends (s), shape (2, n).
- ``free``: Free contact rows (a stack, ``si[S_FREE_N]`` of them).
- ``q``: Per queue: head and tail contact (-1 if empty); ``site x (n_ranks + 3) + rank``, then chat, supervisor, email.
- ``idle``: Per site: idle agents, longest idle first (``site_i[site, T_IDLE_N]`` of them).
- ``chatting``: Per site: agents holding chats, in the order they started.
- ``able``: Per site and channel: ``[0] = -1`` if every agent handles it, else ``[1 + group] = 1`` for groups that do.
- ``chats``: Per agent: the contacts of the chats it holds (``ai[a, A_NCHATS]`` of them).
- ``su``: Event-loop streams' uniforms, shape (N_STREAMS, L).
- ``tr``: Their transforms (redials, repeats, chase), shape (3, n_transforms, L).
- ``d_t``, ``d_ct``, ``d_pat``, ``d_base``, ``d_u``, ``d_us``: the day's base callers, the arrays of
  :class:`~simulator.demand.DayCallers` as drawn (arrival times, call types, patience, base handle
  times, decision uniforms, survey uniforms); ``d_sup``: their supervisor handle time at each site.
- ``scratch_a``, ``scratch_c``: work space for a list of agents and for one agent's chats (the
  event loop never allocates).
- ``scratch_f``, ``scratch_i``: work space per site (the interval sample).
- ``pt``, ``pk``: the patience timers' heap: times, and sequence number and contact (as many
  rows as the contact pool; the contact's ``C_PPOS`` is its position, -1 if it has none).

and the others as their ``*_`` index constants above describe them."""


State = Any
"""Type of ``s`` in the compiled functions: a :class:`Kernel` (numba resolves its attributes, mypy cannot)."""

_DESC = 4
"""Words per field in a :class:`Kernel`'s descriptor: the data address and up to three dimensions."""


class KernelType(types.Type):
    """Numba type of :class:`Kernel`: a pointer to its descriptor, with the type of each field.

    A value is one machine word passed by value: no reference counting when compiled functions
    pass the state or read its arrays (numba's atomic reference counting of a ``StructRef`` and
    of each array read from it cost about half of the event loop's time). ``s.name`` is lowered
    to an array over the field's memory with no owner (no reference counting either).
    """

    def __init__(self, fields: tuple[tuple[str, types.Array], ...]) -> None:
        self.fields = fields
        self.index = {name: i for i, (name, _) in enumerate(fields)}
        super().__init__(name="Kernel(" + ", ".join(f"{n}={t}" for n, t in fields) + ")")


class Kernel:
    """The compiled engine's state: a struct of arrays, passed to compiled functions by reference.

    Holds the arrays (so they live as long as it) and a descriptor, an int64 array of
    ``(address, shape...)`` per field of :data:`FIELDS`, whose address is what compiled functions
    receive. Build with :func:`build`; the kernel mutates the arrays in place, and Python replaces
    an array with :meth:`set` (between calls of compiled functions).
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.desc = np.zeros((len(FIELDS), _DESC), dtype=np.int64)
        self.addr = int(self.desc.ctypes.data)
        self.layout = tuple((arrays[name].dtype.str, arrays[name].ndim) for name in FIELDS)
        self.numba_type = _kernel_type(self.layout)
        self.arrays: dict[str, np.ndarray] = {}
        self.set(**arrays)

    def set(self, **arrays: np.ndarray) -> None:
        """Replace fields' arrays (each of the field's dtype and number of dimensions)."""
        for name, a in arrays.items():
            i = _FIELD_INDEX[name]
            if not a.flags.c_contiguous or (a.dtype.str, a.ndim) != self.layout[i]:
                raise ValueError(f"kernel field {name}: a C-contiguous array like {self.layout[i]}")
            self.desc[i, 0] = a.__array_interface__["data"][0]
            self.desc[i, 1: 1 + a.ndim] = a.shape
            self.arrays[name] = a


_FIELD_INDEX = {name: i for i, name in enumerate(FIELDS)}


@functools.cache
def _kernel_type(layout: tuple[tuple[str, int], ...]) -> KernelType:
    """The numba type of a state whose fields have these dtypes and dimensions."""
    if any(ndim > _DESC - 1 for _, ndim in layout):
        raise ValueError(f"kernel fields have at most {_DESC - 1} dimensions")
    return KernelType(tuple((name, types.Array(numba.from_dtype(np.dtype(dt)), ndim, "C"))
                            for name, (dt, ndim) in zip(FIELDS, layout, strict=True)))


@typeof_impl.register(Kernel)
def _typeof_kernel(val: Kernel, c: Any) -> KernelType:
    return val.numba_type


register_model(KernelType)(models.OpaqueModel)


@unbox(KernelType)
def _unbox_kernel(typ: KernelType, obj: Any, c: Any) -> NativeValue:
    addr = c.pyapi.object_getattr_string(obj, "addr")
    ptr = c.pyapi.long_as_voidptr(addr)
    c.pyapi.decref(addr)
    return NativeValue(ptr)


@infer_getattr
class _KernelAttributes(AttributeTemplate):
    key = KernelType

    def generic_resolve(self, typ: KernelType, attr: str) -> Any:  # type: ignore[override]
        i = typ.index.get(attr)
        return None if i is None else typ.fields[i][1]


@lower_getattr_generic(KernelType)
def _kernel_getattr(context: Any, builder: Any, typ: KernelType, val: Any, attr: str) -> Any:
    """``s.name``: the field's array (C order) from its descriptor row, with no owner."""
    i = typ.index[attr]
    arrty = typ.fields[i][1]
    i64 = llvm_ir.IntType(64)
    words = builder.bitcast(val, i64.as_pointer())

    invariant = builder.module.add_metadata([])

    def word(j: int) -> Any:
        # The descriptor does not change while compiled code runs (Python sets it between calls): an
        # invariant load lets LLVM read each field's address and shape once, across the stores
        # to the arrays (which could otherwise alias it).
        load = builder.load(builder.gep(words, [llvm_ir.Constant(i64, i * _DESC + j)], inbounds=True))
        load.set_metadata("invariant.load", invariant)
        return load

    shape = [word(1 + d) for d in range(arrty.ndim)]
    itemsize = context.get_abi_sizeof(context.get_data_type(arrty.dtype))
    strides = [llvm_ir.Constant(i64, itemsize)]
    for d in range(arrty.ndim - 1, 0, -1):
        strides.insert(0, builder.mul(strides[0], shape[d]))
    ary = context.make_array(arrty)(context, builder)
    populate_array(ary, data=builder.inttoptr(word(0), ary.data.type), shape=shape, strides=strides,
                   itemsize=itemsize, meminfo=None)
    return impl_ret_untracked(context, builder, arrty, ary._getvalue())


def build(**arrays: Any) -> Kernel:
    """A state from its arrays, by field name (every one of :data:`FIELDS`)."""
    return Kernel(arrays)


# ---------------------------------------------------------------- event heap


@njit(inline="always")
def _before(s: State, i: int, t: float, seq: int) -> bool:
    """Whether heap entry ``i`` comes before an event at ``(t, seq)``."""
    ti = s.hf[i, H_T]
    return ti < t or (ti == t and s.hi[i, H_SEQ] < seq)


@njit(inline="always")
def _heap_put(s: State, i: int, t: float, x: float, seq: int, kind: int, a: int, b: int) -> None:
    s.hf[i, H_T] = t
    s.hf[i, H_X] = x
    s.hi[i, H_SEQ] = seq
    s.hi[i, H_KIND] = kind
    s.hi[i, H_A] = a
    s.hi[i, H_B] = b


@njit(inline="always")
def _heap_move(s: State, dst: int, src: int) -> None:
    _heap_put(s, dst, s.hf[src, H_T], s.hf[src, H_X], s.hi[src, H_SEQ], s.hi[src, H_KIND], s.hi[src, H_A],
              s.hi[src, H_B])


@njit(cache=True)
def push(s: State, delay: float, kind: int, a: int, b: int, x: float) -> None:
    """Schedule an event ``delay`` seconds from now (SimPy's ``Timeout``: time = now + delay)."""
    t = s.sf[SF_NOW] + delay
    seq = s.si[S_SEQ]
    s.si[S_SEQ] = seq + 1
    i = s.si[S_HEAP_N]
    s.si[S_HEAP_N] = i + 1
    _sift_up(s, i, t, x, seq, kind, a, b)


@njit(inline="always")
def _sift_up(s: State, i: int, t: float, x: float, seq: int, kind: int, a: int, b: int) -> None:
    """Put an event in the heap at the hole ``i`` or above it, in ``(time, sequence)`` order."""
    while i > 0:
        parent = (i - 1) >> 1
        if _before(s, parent, t, seq):
            break
        _heap_move(s, i, parent)
        i = parent
    _heap_put(s, i, t, x, seq, kind, a, b)


@njit(cache=True)
def push_at(s: State, times: Any, kinds: Any, a: Any, b: Any, x: Any) -> None:
    """Schedule events at absolute ``times`` in this order (time = now + (time - now), as SimPy computes it)."""
    now = s.sf[SF_NOW]
    for i in range(times.size):
        if kinds[i] == E_BASE:
            _push_base(s, times[i] - now)
        else:
            push(s, times[i] - now, kinds[i], a[i], b[i], x[i])


@njit(inline="always")
def _push_base(s: State, delay: float) -> None:
    """Schedule the next base arrival (``push(s, delay, E_BASE, ...)``) in its slot, or in the heap if that is taken.

    Base arrivals come one after another: keeping the next one out of the heap spares a push and
    a pop per arrival. It takes its sequence number as any event, and :func:`run` compares it with
    the heap's first by ``(time, sequence)``, so the order of events is unchanged.
    """
    if s.si[S_BASE_ON]:
        push(s, delay, E_BASE, 0, 0, 0.0)
        return
    s.sf[SF_BASE_T] = s.sf[SF_NOW] + delay
    seq = s.si[S_SEQ]
    s.si[S_SEQ] = seq + 1
    s.si[S_BASE_SEQ] = seq
    s.si[S_BASE_ON] = 1


@njit
def _pop(s: State) -> None:
    """Remove the heap's first event (its fields were read at index 0).

    Bottom-up (Floyd): the hole at the root goes down to a leaf through the earlier child (one
    comparison a level), then the last entry goes up from there (usually a step or two). The
    order of events is the order of their ``(time, sequence)`` keys, which are distinct, whatever
    the heap's layout.
    """
    n = s.si[S_HEAP_N] - 1
    s.si[S_HEAP_N] = n
    if n == 0:
        return
    i = 0
    c = 1
    while c < n:
        if c + 1 < n:  # the earlier child, without a branch on the comparison (which a random heap mispredicts)
            t0, t1 = s.hf[c, H_T], s.hf[c + 1, H_T]
            c += (t1 < t0) | ((t1 == t0) & (s.hi[c + 1, H_SEQ] < s.hi[c, H_SEQ]))
        _heap_move(s, i, c)
        i = c
        c = 2 * i + 1
    _sift_up(s, i, s.hf[n, H_T], s.hf[n, H_X], s.hi[n, H_SEQ], s.hi[n, H_KIND], s.hi[n, H_A], s.hi[n, H_B])


# ---------------------------------------------------------------- patience timers
#
# A waiting caller's patience timer is an event like any other (its time and sequence number
# are taken as ``push`` takes them, and ``run`` takes the earliest of this heap, the event heap
# and the base-arrival slot by ``(time, sequence)``), but in a heap of its own that knows each
# timer's position: answering the caller removes the timer, where SimPy keeps it as an event that
# does nothing when it fires. Most timers are of callers who were answered; removing them keeps
# the event heap small and spares their pops, and the order of the events that act is unchanged.


@njit(inline="always")
def _pat_before(s: State, i: int, t: float, seq: int) -> bool:
    ti = s.pt[i]
    return ti < t or (ti == t and s.pk[i, 0] < seq)


@njit(inline="always")
def _pat_set(s: State, i: int, t: float, seq: int, c: int) -> None:
    s.pt[i] = t
    s.pk[i, 0] = seq
    s.pk[i, 1] = c
    s.ci[c, C_PPOS] = i


@njit
def _pat_place(s: State, i: int, t: float, seq: int, c: int) -> None:
    """Put the timer ``(t, seq)`` of contact ``c`` in the hole at ``i``, moving it up or down to its place."""
    while i > 0:
        parent = (i - 1) >> 1
        if _pat_before(s, parent, t, seq):
            break
        _pat_set(s, i, s.pt[parent], s.pk[parent, 0], s.pk[parent, 1])
        i = parent
    n = s.si[S_PAT_N]
    while True:
        ch = 2 * i + 1
        if ch >= n:
            break
        if ch + 1 < n and _pat_before(s, ch + 1, s.pt[ch], s.pk[ch, 0]):
            ch += 1
        if not _pat_before(s, ch, t, seq):
            break
        _pat_set(s, i, s.pt[ch], s.pk[ch, 0], s.pk[ch, 1])
        i = ch
    _pat_set(s, i, t, seq, c)


@njit(inline="always")
def _pat_push(s: State, delay: float, c: int) -> None:
    """Schedule contact ``c``'s patience timer ``delay`` seconds from now (as :func:`push` would)."""
    t = s.sf[SF_NOW] + delay
    seq = s.si[S_SEQ]
    s.si[S_SEQ] = seq + 1
    n = s.si[S_PAT_N]
    s.si[S_PAT_N] = n + 1
    _pat_place(s, n, t, seq, c)


@njit(inline="always")
def _pat_remove(s: State, i: int) -> None:
    """Remove the patience timer at position ``i``."""
    s.ci[s.pk[i, 1], C_PPOS] = -1
    n = s.si[S_PAT_N] - 1
    s.si[S_PAT_N] = n
    if i < n:
        _pat_place(s, i, s.pt[n], s.pk[n, 0], s.pk[n, 1])


# ---------------------------------------------------------------- contacts and queues


@njit(inline="always")
def _alloc(s: State) -> int:
    n = s.si[S_FREE_N] - 1
    s.si[S_FREE_N] = n
    c = s.free[n]
    s.ci[c, C_GEN] += 1
    s.ci[c, C_NEXT] = -1
    s.ci[c, C_INQ] = 0
    s.ci[c, C_PPOS] = -1
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


@njit(inline="always")
def _done(s: State, c: int) -> None:
    """Contact ``c`` has no future: recycle its row, or let the queue holding it recycle it when popped."""
    state = s.ci[c, C_STATE]
    if state != ABANDONED and state != SUP_ABANDONED:
        s.ci[c, C_STATE] = DONE
    if s.ci[c, C_INQ] == 0:
        n = s.si[S_FREE_N]
        s.free[n] = c
        s.si[S_FREE_N] = n + 1


@njit(inline="always")
def _q_append(s: State, q: int, c: int) -> None:
    s.ci[c, C_NEXT] = -1
    s.ci[c, C_INQ] = 1
    tail = s.q[q, 1]
    if tail < 0:
        s.q[q, 0] = c
    else:
        s.ci[tail, C_NEXT] = c
    s.q[q, 1] = c


@njit(inline="always")
def _q_pop(s: State, q: int) -> int:
    """Pop the queue's head (-1 if empty); a popped contact with no future is recycled (returns -2)."""
    c = s.q[q, 0]
    if c < 0:
        return -1
    nxt = s.ci[c, C_NEXT]
    s.q[q, 0] = nxt
    if nxt < 0:
        s.q[q, 1] = -1
    s.ci[c, C_INQ] = 0
    state = s.ci[c, C_STATE]
    if state == ABANDONED or state == SUP_ABANDONED or state == DONE:
        _done(s, c)
        return -2
    return c


@njit(inline="always")
def _q_voice(s: State, site: int, rank: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + rank


@njit(inline="always")
def _q_chat(s: State, site: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + s.pi[I_RANKS]


@njit(inline="always")
def _q_sup(s: State, site: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + s.pi[I_RANKS] + 1


@njit(inline="always")
def _q_email(s: State, site: int) -> int:
    return site * (s.pi[I_RANKS] + 3) + s.pi[I_RANKS] + 2


# ---------------------------------------------------------------- recorder (.recorder.Recorder)


@njit(inline="always")
def _interval_of(s: State, t: float) -> int:
    """``int(t // interval)`` for a time ``t >= 0``, without the floating-point remainder where it can.

    With a whole number of seconds ``S`` per interval, ``i * S`` is exact, so ``i = floor(t / S)``
    is the ``i`` with ``i * S <= t < (i + 1) * S`` (found from ``t / S`` and corrected by at most
    one), and ``t // S`` (``(t - fmod(t, S)) / S``, all exact then) is that same ``i``.
    """
    size = s.p[P_INTERVAL]
    if not s.pi[I_WHOLE_INTERVAL]:
        return int(t // size)
    i = int(t / size)
    if i * size > t:
        i -= 1
    elif (i + 1) * size <= t:
        i += 1
    return i


@njit(inline="always")
def _accrue(s: State, k: int, site: int, t0: float, t1: float, weight: float) -> None:
    """``Recorder.accrue``."""
    if t1 <= t0 or weight == 0:
        return
    size = s.p[P_INTERVAL]
    ns, nc = s.pi[I_SITES], s.pi[I_NC]
    c = s.counts
    i = _interval_of(s, t0)
    while True:
        edge = (i + 1) * size
        if t1 <= edge:
            c[(i * ns + site) * nc + k] += weight * (t1 - t0)
            return
        c[(i * ns + site) * nc + k] += weight * (edge - t0)
        t0 = edge
        i += 1


@njit(inline="always")
def _queue_change(s: State, site: int, delta: int) -> None:
    """``Recorder.queue_change``."""
    now = s.sf[SF_NOW]
    n = s.site_i[site, T_WAITING]
    if n:
        _accrue(s, s.k[K_QUEUE_S], site, s.site_f[site, L_QUEUE_T], now, n)
    s.site_f[site, L_QUEUE_T] = now
    s.site_i[site, T_WAITING] = n + delta


@njit(inline="always")
def _staff_change(s: State, site: int, delta: int) -> None:
    """``Recorder.staff_change``."""
    now = s.sf[SF_NOW]
    _accrue(s, s.k[K_STAFFED_S], site, s.site_f[site, L_STAFF_T], now, s.site_i[site, T_ON])
    s.site_f[site, L_STAFF_T] = now
    s.site_i[site, T_ON] += delta


@njit(inline="always")
def _add(s: State, c: int, k: int, x: float) -> None:
    """Add ``x`` to counter ``k`` (a ``K_*`` index) of contact ``c``'s bucket."""
    s.counts[s.ci[c, C_BUCKET] + s.k[k]] += x


@njit(inline="always")
def _count_answer(s: State, c: int, site: int) -> float:
    """``Recorder.count_answer``."""
    now = s.sf[SF_NOW]
    t_arr = s.cf[c, F_TARR]
    wait = now - t_arr
    s.ci[c, C_STATE] = ANSWERED
    if s.ci[c, C_PPOS] >= 0:
        _pat_remove(s, s.ci[c, C_PPOS])
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


@njit(inline="always")
def _count_reply(s: State, c: int, site: int) -> None:
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


@njit(inline="always")
def _log(s: State, c: int, wait: float, handle: float, outcome: int, csat: float, survey: int) -> None:
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


@njit(inline="always")
def _next(s: State, r: int) -> float:
    """The next uniform of stream ``r``."""
    i = s.si[S_POS + r]
    s.si[S_POS + r] = i + 1
    return s.su[r, i]


@njit(inline="always")
def _next_as(s: State, r: int, j: int) -> float:
    """Transform ``j`` of the next uniform of stream ``r`` (redials, repeats or chase)."""
    i = s.si[S_POS + r]
    s.si[S_POS + r] = i + 1
    return s.tr[r, j, i]


# ---------------------------------------------------------------- floor (.floor.Floor)


@njit(inline="always")
def _recover(s: State, a: int, tau: float) -> None:
    """``Floor.recover``."""
    now = s.sf[SF_NOW]
    f = s.af[a, A_FATIGUE]
    if f:
        s.af[a, A_FATIGUE] = _fatigue_now(f, s.af[a, A_FATIGUE_T], now, tau)
    s.af[a, A_FATIGUE_T] = now


@njit
def _select(s: State, site: int, able: Any, n: int) -> int:
    """The position in ``able[:n]`` that the site's selection rule picks (``routing.AGENT_SELECTORS``)."""
    rule = s.site_i[site, T_SELECTOR]
    if rule == SEL_LONGEST:
        return 0
    if rule == SEL_FATIGUE:
        now, tau = s.sf[SF_NOW], s.p[P_RECOVERY_TAU]
        best, best_f = 0, math.inf
        for i in range(n):
            j = able[i]
            f = _fatigue_now(s.af[j, A_FATIGUE], s.af[j, A_FATIGUE_T], now, tau)
            if f < best_f:
                best, best_f = i, f
        return best
    if rule == SEL_PROFICIENT:
        best = 0
        for i in range(1, n):
            if s.af[able[i], A_PROF] > s.af[able[best], A_PROF]:
                best = i
        return best
    u = _next(s, R_SEL)
    return min(int(u * n), n - 1)


@njit(inline="always")
def _idle_remove(s: State, site: int, pos: int) -> None:
    idle = s.idle[site]
    n = s.site_i[site, T_IDLE_N]
    for i in range(pos, n - 1):
        idle[i] = idle[i + 1]
    s.site_i[site, T_IDLE_N] = n - 1


@njit(inline="always")
def _idle_remove_agent(s: State, site: int, a: int) -> None:
    idle = s.idle[site]
    for i in range(s.site_i[site, T_IDLE_N]):
        if idle[i] == a:
            _idle_remove(s, site, i)
            return


@njit
def _pick_idle(s: State, site: int, channel: int) -> int:
    """``Floor.pick_idle``."""
    n = s.site_i[site, T_IDLE_N]
    if n == 0:
        return -1
    idle = s.idle[site]
    if s.able[site, channel, 0] < 0:  # every agent handles the channel
        pos = _select(s, site, idle, n)
        a = idle[pos]
        _idle_remove(s, site, pos)
        return a
    buf = s.scratch_a
    m = 0
    for i in range(n):
        if s.able[site, channel, 1 + s.ai[idle[i], A_SKILL]]:
            buf[m] = idle[i]
            m += 1
    if m == 0:
        return -1
    a = buf[_select(s, site, buf, m)]
    _idle_remove_agent(s, site, a)
    return a


@njit(inline="always")
def _handles(s: State, site: int, channel: int, a: int) -> bool:
    return s.able[site, channel, 0] < 0 or s.able[site, channel, 1 + s.ai[a, A_SKILL]] > 0


@njit(inline="always")
def _make_idle(s: State, a: int, site: int) -> None:
    s.ai[a, A_MODE] = IDLE
    n = s.site_i[site, T_IDLE_N]
    s.idle[site, n] = a
    s.site_i[site, T_IDLE_N] = n + 1


@njit
def _release(s: State, a: int, site: int) -> None:
    """``Floor.release``."""
    pending = s.af[a, A_PENDING]
    if pending:
        s.af[a, A_PENDING] = 0.0
        _staff_change(s, site, -1)
        if pending == SHIFT_END:
            s.ai[a, A_MODE] = OFF
            _accrue(s, s.k[K_OVERTIME_S], site, s.af[a, A_SHIFT_END], s.sf[SF_NOW], 1.0)
        else:
            s.ai[a, A_MODE] = BREAK
            push(s, pending, E_BREAK_END, a, s.ai[a, A_PENDING_REST], 0.0)
        return
    _available(s, a, site)


@njit
def _leave_floor(s: State, a: int, mode: int) -> None:
    """``Floor._leave_floor``."""
    site = s.ai[a, A_SITE]
    _idle_remove_agent(s, site, a)
    s.ai[a, A_MODE] = mode
    _recover(s, a, s.p[P_RECOVERY_TAU])
    _staff_change(s, site, -1)


@njit
def _on_shift_start(s: State, a: int, end: float) -> None:
    """``Floor._on_shift_start``."""
    if s.af[a, A_SHIFT_END] < end:
        s.af[a, A_SHIFT_END] = end
    mode = s.ai[a, A_MODE]
    if mode == OFF:
        site = s.ai[a, A_SITE]
        _recover(s, a, s.p[P_REST_TAU])
        _staff_change(s, site, 1)
        _available(s, a, site)
    elif (mode == BUSY or mode == CHATTING) and s.af[a, A_PENDING] == SHIFT_END:
        s.af[a, A_PENDING] = 0.0


@njit
def _on_shift_end(s: State, a: int, end: float) -> None:
    """``Floor._on_shift_end``."""
    if s.af[a, A_SHIFT_END] != end:
        return
    mode = s.ai[a, A_MODE]
    if mode == IDLE:
        _leave_floor(s, a, OFF)
    elif mode == BUSY or mode == CHATTING:
        s.af[a, A_PENDING] = SHIFT_END
    elif mode == BREAK:
        s.ai[a, A_MODE] = OFF


@njit
def _on_break(s: State, a: int, length: float, rest: int) -> None:
    """``Floor._on_break``."""
    mode = s.ai[a, A_MODE]
    if mode == IDLE:
        _leave_floor(s, a, BREAK)
        push(s, length, E_BREAK_END, a, rest, 0.0)
    elif (mode == BUSY or mode == CHATTING) and s.af[a, A_PENDING] == 0.0:
        s.af[a, A_PENDING] = length
        s.ai[a, A_PENDING_REST] = rest


@njit
def _on_break_end(s: State, a: int, rest: int) -> None:
    """``Floor._on_break_end``."""
    if s.ai[a, A_MODE] != BREAK:
        return
    if s.sf[SF_NOW] >= s.af[a, A_SHIFT_END]:
        s.ai[a, A_MODE] = OFF
        return
    site = s.ai[a, A_SITE]
    _recover(s, a, s.p[P_REST_TAU] if rest else s.p[P_RECOVERY_TAU])
    _staff_change(s, site, 1)
    _available(s, a, site)


@njit
def _on_tick(s: State) -> None:
    """``Simulation._ticks``: sample agents' fatigue at the interval's end; schedule the next tick."""
    push(s, s.p[P_INTERVAL], E_TICK, 0, 0, 0.0)
    now, tau = s.sf[SF_NOW], s.p[P_RECOVERY_TAU]
    ns, nc = s.pi[I_SITES], s.pi[I_NC]
    i = s.si[S_TICK_I]
    s.si[S_TICK_I] = i + 1
    sums, on = s.scratch_f, s.scratch_i
    sums[:] = 0.0
    on[:] = 0
    for a in range(s.ai.shape[0]):
        m = s.ai[a, A_MODE]
        site = s.ai[a, A_SITE]
        if m == IDLE:
            sums[site] += _fatigue_now(s.af[a, A_FATIGUE], s.af[a, A_FATIGUE_T], now, tau)
        elif m == BUSY or m == CHATTING:
            sums[site] += s.af[a, A_FATIGUE]
        else:
            continue
        on[site] += 1
    for site in range(ns):
        b = (i * ns + site) * nc
        s.counts[b + s.k[K_FATIGUE_SUM]] += sums[site]
        s.counts[b + s.k[K_FATIGUE_N]] += on[site]


# ---------------------------------------------------------------- call flow (.flow.CallFlow)


@njit(inline="always")
def _next_open(s: State, t: float) -> float:
    """``OpeningCalendar.next_open``."""
    if s.pi[I_ALWAYS_OPEN]:
        return t
    starts, ends = s.cal[0], s.cal[1]
    i = np.searchsorted(starts, t, side="right") - 1
    if i >= 0 and t < ends[i]:
        return t
    if i + 1 >= starts.size:
        return t
    close_prev = ends[i] if i >= 0 else 0.0
    length = ends[i + 1] - starts[i + 1]
    return starts[i + 1] + (t - close_prev) % length


@njit
def _route(s: State, u: float) -> int:
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
        if i == last or s.site_i[i, T_IDLE_N] > 0:
            return i
        limit = s.site_i[i, T_LINE_LIMIT]
        n = s.site_i[i, T_WAITING]
        room = limit < 0 or n < limit
        if room and n < s.p[P_OVERFLOW]:
            return i
    return last


@njit(inline="always")
def _survey_uniforms(s: State) -> tuple[float, float]:
    """``CallFlow._survey_uniforms``."""
    if not s.p[P_SURVEY_SHARE]:
        return 1.0, 1.0
    a = _next(s, R_SUR)
    b = _next(s, R_SUR)
    return a, b


@njit
def _follow_up(s: State, c: int, repeat: bool) -> None:
    """``CallFlow._follow_up``: maybe schedule a redial (``repeat`` False) or repeat of ``c``'s caller."""
    r = R_REP if repeat else R_RED
    p = s.p[P_REPEAT_P] if repeat else s.p[P_REDIAL_P]
    if p == 0.0:
        return
    if _next(s, r) >= p:
        return
    now = s.sf[SF_NOW]
    when = _next_open(s, now + _next_as(s, r, 0))
    ct = s.ci[c, C_CTYPE]
    patience = _next_as(s, r, 1 + ct)
    ns = s.pi[I_SITES]
    i_sup = s.si[S_POS + r]
    s.si[S_POS + r] = i_sup + 1
    u_irate = _next(s, r)
    u_res = _next(s, r)
    u_esc = _next(s, r)
    u_detect = _next(s, r)
    u_route = _next(s, r)
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
            s.cf[n, F_SUP + j] = s.tr[r, sup0 + j, i_sup]
        s.cf[n, F_UIRATE] = u_irate
        s.cf[n, F_URES] = u_res
        s.cf[n, F_UESC] = u_esc
        s.cf[n, F_UDETECT] = u_detect
        s.cf[n, F_UROUTE] = u_route
        s.cf[n, F_USURVEY] = u_survey
        s.cf[n, F_UHAPPY] = u_happy
        push(s, when - now, E_FOLLOW, n, s.ci[n, C_GEN], 0.0)


@njit(inline="always")
def _on_base_arrival(s: State) -> None:
    """``CallFlow._on_base_arrival``: the day's next base contact arrives; schedule the one after."""
    i = s.si[S_DAY_I]
    s.si[S_DAY_I] = i + 1
    if i + 1 < s.si[S_DAY_N]:
        _push_base(s, s.d_t[i + 1] - s.d_t[i])
    c = _alloc(s)
    ct = s.d_ct[i]
    u = s.d_u
    s.ci[c, C_CALLER] = s.si[S_DAY_FIRST] + i
    s.ci[c, C_ATTEMPT] = 0
    s.ci[c, C_KIND] = FIRST
    s.ci[c, C_CTYPE] = ct
    s.ci[c, C_RANK] = s.ti[ct, 0]
    s.ci[c, C_CHANNEL] = s.ti[ct, 1]
    s.ci[c, C_SCAM] = u[U_SCAM, i] < s.tf[ct, 0]
    s.cf[c, F_PATIENCE] = s.d_pat[i]
    s.cf[c, F_BASE] = s.d_base[i]
    s.cf[c, F_UIRATE] = u[U_IRATE, i]
    s.cf[c, F_URES] = u[U_RESOLVE, i]
    s.cf[c, F_UESC] = u[U_ESCALATE, i]
    s.cf[c, F_UDETECT] = u[U_DETECT, i]
    s.cf[c, F_UROUTE] = u[U_ROUTE, i]
    s.cf[c, F_USURVEY] = s.d_us[0, i]
    s.cf[c, F_UHAPPY] = s.d_us[1, i]
    for j in range(s.pi[I_SITES]):
        s.cf[c, F_SUP + j] = s.d_sup[j, i]
    _offer(s, c)


@njit
def _offer(s: State, c: int) -> None:
    """``CallFlow._offer``."""
    now = s.sf[SF_NOW]
    s.cf[c, F_TARR] = now
    site = _route(s, s.cf[c, F_UROUTE])
    s.ci[c, C_SITE] = site
    s.ci[c, C_BUCKET] = (_interval_of(s, now) * s.pi[I_SITES] + site) * s.pi[I_NC]
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
        s.site_i[site, T_CHAT_WAITING] += 1
        _queue_change(s, site, 1)
        _q_append(s, _q_chat(s, site), c)
    else:
        a = _pick_idle(s, site, VOICE)
        if a >= 0:
            _answer(s, c, site, a)
            return
        limit = s.site_i[site, T_LINE_LIMIT]
        if limit >= 0 and s.site_i[site, T_WAITING] - s.site_i[site, T_CHAT_WAITING] >= limit:
            _add(s, c, K_BLOCKED, 1.0)
            _log(s, c, 0.0, 0.0, LOG_BLOCKED, math.nan, -1)
            _follow_up(s, c, False)
            _done(s, c)
            return
        _queue_change(s, site, 1)
        _q_append(s, _q_voice(s, site, s.ci[c, C_RANK]), c)
    if s.cf[c, F_PATIENCE] != math.inf:
        _pat_push(s, s.cf[c, F_PATIENCE], c)


@njit
def _offer_email(s: State, c: int, site: int) -> None:
    """``CallFlow._offer_email``."""
    _add(s, c, K_EMAIL_ARRIVED, 1.0)
    if s.site_i[site, T_IDLE_N] > s.pi[I_EMAIL_RESERVE]:
        a = _pick_idle(s, site, EMAIL)
        if a >= 0:
            _answer(s, c, site, a)
            return
    _q_append(s, _q_email(s, site), c)
    s.site_i[site, T_EMAILS_N] += 1
    if s.p[P_CHASE_S] != math.inf:
        push(s, s.p[P_CHASE_S], E_CHASE, c, s.ci[c, C_GEN], 0.0)


@njit
def _on_chase(s: State, email: int) -> None:
    """``CallFlow._on_chase``."""
    if s.ci[email, C_STATE] != WAITING or _next(s, R_CHA) >= s.p[P_CHASE_P]:
        return
    now = s.sf[SF_NOW]
    when = _next_open(s, now)
    ct = s.pi[I_CHASE_TYPE]
    patience = _next_as(s, R_CHA, 1)
    base = _next_as(s, R_CHA, 0)
    i_sup = s.si[S_POS + R_CHA]
    s.si[S_POS + R_CHA] = i_sup + 1
    u_irate = _next(s, R_CHA)
    u_res = _next(s, R_CHA)
    u_esc = _next(s, R_CHA)
    scam = _next(s, R_CHA) < s.tf[ct, 0]
    u_detect = _next(s, R_CHA)
    u_route = _next(s, R_CHA)
    u_survey, u_happy = _survey_uniforms(s)
    if when < s.p[P_HORIZON]:
        _add(s, email, K_EMAIL_CHASED, 1.0)
        n = _alloc(s)
        s.ci[n, C_CALLER] = s.ci[email, C_CALLER]
        s.ci[n, C_ATTEMPT] = s.ci[email, C_ATTEMPT] + 1
        s.ci[n, C_KIND] = REPEAT
        s.ci[n, C_CTYPE] = ct
        s.ci[n, C_RANK] = s.ti[ct, 0]
        s.ci[n, C_CHANNEL] = VOICE
        s.ci[n, C_SCAM] = scam
        s.cf[n, F_TARR] = when
        s.cf[n, F_PATIENCE] = patience
        s.cf[n, F_BASE] = base
        for j in range(s.pi[I_SITES]):
            s.cf[n, F_SUP + j] = s.tr[R_CHA, 2 + j, i_sup]
        s.cf[n, F_UIRATE] = u_irate
        s.cf[n, F_URES] = u_res
        s.cf[n, F_UESC] = u_esc
        s.cf[n, F_UDETECT] = u_detect
        s.cf[n, F_UROUTE] = u_route
        s.cf[n, F_USURVEY] = u_survey
        s.cf[n, F_UHAPPY] = u_happy
        push(s, when - now, E_FOLLOW, n, s.ci[n, C_GEN], 0.0)


@njit
def _on_patience(s: State, c: int) -> None:
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
        s.site_i[site, T_CHAT_WAITING] -= 1
        _add(s, c, K_CHAT_ABANDONED, 1.0)
    _log(s, c, patience, 0.0, LOG_ABANDONED, math.nan, -1)
    _follow_up(s, c, False)
    _done(s, c)


@njit
def _decide(s: State, c: int, site: int, p: float, f: float, r: float, irate: bool, fcr_factor: float) -> float:
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
    elif s.cf[c, F_UESC] < _escalation_probability(s.tf[ct, 3], p, irate, s.p[P_NOVICE_ESC],
                                                   s.p[P_IRATE_ESC]):
        s.ci[c, C_OUTCOME] = ESCALATED
    elif s.cf[c, F_URES] < _resolution_probability(s.tf[ct, 2], s.site_f[site, L_RES_MULT], p, f, r, s.p[P_FCR_FLOOR],
                                                   s.p[P_FATIGUE_ERROR], s.p[P_RUSH_FCR]) * fcr_factor:
        s.ci[c, C_OUTCOME] = RESOLVED
    else:
        s.ci[c, C_OUTCOME] = UNRESOLVED
    return factor


@njit(inline="always")
def _handle_time(s: State, c: int, p: float, f: float, r: float, irate: bool) -> float:
    return _handle_time_s(s.cf[c, F_BASE], p, f, r, irate, s.p[P_NOVICE_SLOW], s.p[P_FATIGUE_SLOW], s.p[P_RUSH],
                          s.p[P_IRATE_HANDLE])


@njit
def _answer(s: State, c: int, site: int, a: int) -> None:
    """``CallFlow._answer``: agent ``a`` takes a voice call or an email."""
    email = s.ci[c, C_CHANNEL] == EMAIL
    if email:
        s.ci[c, C_STATE] = ANSWERED
        s.site_i[site, T_EMAIL_IN] += 1
        wait = 0.0
    else:
        wait = _count_answer(s, c, site)
    p = s.af[a, A_PROF]
    _recover(s, a, s.p[P_RECOVERY_TAU])
    f = s.af[a, A_FATIGUE]
    r = s.af[a, A_PRESSURE]
    ct = s.ci[c, C_CTYPE]
    irate = s.cf[c, F_UIRATE] < _irate_probability(s.tf[ct, 1], s.p[P_ANGER], wait)
    if irate and not email:
        _add(s, c, K_IRATE, 1.0)
    ht = _handle_time(s, c, p, f, r, irate)
    factor = _decide(s, c, site, p, f, r, irate, 1.0)
    if s.ci[c, C_SCAM]:
        ht *= factor
    s.ci[c, C_AGENT] = a
    s.cf[c, F_TANS] = s.sf[SF_NOW]
    s.ai[a, A_MODE] = BUSY
    push(s, ht, E_SERVICE_END, c, s.ci[c, C_GEN], 0.0)


@njit
def _on_service_end(s: State, c: int) -> None:
    """``CallFlow._on_service_end``."""
    now = s.sf[SF_NOW]
    a, site = s.ci[c, C_AGENT], s.ci[c, C_SITE]
    t_ans = s.cf[c, F_TANS]
    handle = now - t_ans
    _accrue(s, s.k[K_BUSY_S], site, t_ans, now, 1.0)
    if s.ci[c, C_CHANNEL] == EMAIL:
        s.site_i[site, T_EMAIL_IN] -= 1
        _count_reply(s, c, site)
    _finish(s, c, a, site, handle, 1.0)
    _release(s, a, site)


@njit
def _finish(s: State, c: int, a: int, site: int, handle: float, load_factor: float) -> None:
    """``CallFlow._finish``: learning, load, outcome counters, satisfaction, follow-ups; recycles ``c``."""
    now = s.sf[SF_NOW]
    _add(s, c, K_HANDLED, 1.0)
    _add(s, c, K_HANDLE_S, handle)
    p = s.af[a, A_PROF]
    outcome = s.ci[c, C_OUTCOME]
    irate = s.ci[c, C_IRATE] != 0
    if s.pi[I_FATIGUE_ON]:
        load = _contact_load(p, irate, outcome == UNRESOLVED or outcome == ESCALATED, s.af[a, A_FRAILTY], s.p[P_LOAD],
                             s.p[P_COPING], s.p[P_IRATE_LOAD], s.p[P_FAILED_LOAD]) * load_factor
        s.af[a, A_FATIGUE] += load
        s.af[a, A_FATIGUE_T] = now
        s.af[a, A_DAY_LOAD] += load
    if s.pi[I_LEARNING_ON]:
        s.af[a, A_PROF] = _learn(p, s.p[P_LEARN])
    s.ai[a, A_CALLS] += 1
    channel = s.ci[c, C_CHANNEL]
    if channel == VOICE:
        s.af[a, A_KPI_HANDLE] += handle
        s.ai[a, A_KPI_CALLS] += 1
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
        csat = _satisfaction(s.chan[channel, 0], s.chan[channel, 1], s.ci[c, C_ATTEMPT], wait,
                             outcome == RESOLVED, outcome == ESCALATED, irate, p, s.af[a, A_PRESSURE], s.p[P_SAT],
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


@njit(inline="always")
def _score(s: State, c: int, csat: float, a: int) -> int:
    """``CallFlow._score``."""
    _add(s, c, K_CSAT_N, 1.0)
    _add(s, c, K_CSAT_SUM, csat)
    s.af[a, A_CSAT_SUM] += csat
    s.ai[a, A_CSAT_N] += 1
    share = s.p[P_SURVEY_SHARE]
    u_survey = s.cf[c, F_USURVEY]
    if u_survey >= share:
        return -1
    _add(s, c, K_SURVEYS, 1.0)
    satisfied = s.cf[c, F_UHAPPY] < csat
    if u_survey >= share * (s.p[P_RESPONSE_P] if satisfied else s.p[P_UNHAPPY_P]):
        return -1
    _add(s, c, K_RESPONSES, 1.0)
    s.ai[a, A_SURVEY_N] += 1
    if satisfied:
        _add(s, c, K_SATISFIED, 1.0)
        s.ai[a, A_SURVEY_POS] += 1
    return 1 if satisfied else 0


# ---------------------------------------------------------------- chat


@njit
def _chat_agent(s: State, site: int) -> int:
    """``CallFlow._chat_agent``."""
    a = _pick_idle(s, site, CHAT)
    if a >= 0:
        return a
    best, fewest = -1, s.pi[I_MAX_CHATS]
    for i in range(s.site_i[site, T_CHATTING_N]):
        a = s.chatting[site, i]
        n = s.ai[a, A_NCHATS]
        if n < fewest and not s.af[a, A_PENDING]:
            best, fewest = a, n
    return best


@njit
def _start_chat(s: State, c: int, site: int, a: int) -> None:
    """``CallFlow._start_chat``."""
    now = s.sf[SF_NOW]
    wait = _count_answer(s, c, site)
    if s.ai[a, A_MODE] != CHATTING:
        _recover(s, a, s.p[P_RECOVERY_TAU])
        s.ai[a, A_MODE] = CHATTING
        n = s.site_i[site, T_CHATTING_N]
        s.chatting[site, n] = a
        s.site_i[site, T_CHATTING_N] = n + 1
        s.af[a, A_CHAT_SINCE] = now
        s.af[a, A_CHAT_T] = now
    else:
        _chat_progress(s, a)
    ct = s.ci[c, C_CTYPE]
    irate = s.cf[c, F_UIRATE] < _irate_probability(s.tf[ct, 1], s.p[P_ANGER], wait)
    s.ci[c, C_IRATE] = irate
    if irate:
        _add(s, c, K_IRATE, 1.0)
    s.cf[c, F_WORK] = _handle_time(s, c, s.af[a, A_PROF], s.af[a, A_FATIGUE], s.af[a, A_PRESSURE], irate)
    s.cf[c, F_CONC0] = s.af[a, A_CHAT_INT]
    s.ci[c, C_AGENT] = a
    s.cf[c, F_TANS] = now
    n = s.ai[a, A_NCHATS]
    s.chats[a, n] = c
    s.ai[a, A_NCHATS] = n + 1
    _chat_schedule(s, a)


@njit(inline="always")
def _chat_progress(s: State, a: int) -> None:
    """``CallFlow._chat_progress``."""
    now = s.sf[SF_NOW]
    dt = now - s.af[a, A_CHAT_T]
    if dt > 0:
        n = s.ai[a, A_NCHATS]
        done = dt * s.chat_rate[n]
        for i in range(n):
            s.cf[s.chats[a, i], F_WORK] -= done
        s.af[a, A_CHAT_INT] += n * dt
    s.af[a, A_CHAT_T] = now


@njit
def _chat_schedule(s: State, a: int) -> None:
    """``CallFlow._chat_schedule``."""
    n = s.ai[a, A_NCHATS]
    s.ai[a, A_CHAT_VER] += 1
    if n:
        left = math.inf
        for i in range(n):
            left = min(left, s.cf[s.chats[a, i], F_WORK])
        push(s, max(left, 0.0) / s.chat_rate[n], E_CHAT_END, a, s.ai[a, A_CHAT_VER], 0.0)


@njit
def _on_chat_end(s: State, a: int, ver: int) -> None:
    """``CallFlow._on_chat_end``."""
    if ver != s.ai[a, A_CHAT_VER]:
        return
    now = s.sf[SF_NOW]
    _chat_progress(s, a)
    site = s.ai[a, A_SITE]
    n = s.ai[a, A_NCHATS]
    done = math.inf
    for i in range(n):
        done = min(done, s.cf[s.chats[a, i], F_WORK])
    done += EPS_S
    ended = s.scratch_c
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
    s.ai[a, A_NCHATS] = kept
    for i in range(m):
        c = ended[i]
        handle = now - s.cf[c, F_TANS]
        mm = (s.af[a, A_CHAT_INT] - s.cf[c, F_CONC0]) / handle if handle > 0 else 1.0
        _add(s, c, K_CHAT_S, handle)
        p, f, r = s.af[a, A_PROF], s.af[a, A_FATIGUE], s.af[a, A_PRESSURE]
        irate = s.ci[c, C_IRATE] != 0
        if s.ci[c, C_SCAM]:
            _decide(s, c, site, p, f, r, irate, 1.0)
        else:
            _decide(s, c, site, p, f, r, irate, _chat_resolution_factor(mm, s.p[P_CHAT_FCR]))
        _finish(s, c, a, site, handle, _chat_load_factor(mm, s.p[P_CHAT_LOAD]))
    if kept:
        if not s.af[a, A_PENDING]:
            _take_chats(s, a, site)
        _chat_schedule(s, a)
        return
    s.ai[a, A_CHAT_VER] += 1
    nc = s.site_i[site, T_CHATTING_N]
    j = 0
    for i in range(nc):
        if s.chatting[site, i] != a:
            s.chatting[site, j] = s.chatting[site, i]
            j += 1
    s.site_i[site, T_CHATTING_N] = j
    _accrue(s, s.k[K_BUSY_S], site, s.af[a, A_CHAT_SINCE], now, 1.0)
    _accrue(s, s.k[K_CHAT_AGENT_S], site, s.af[a, A_CHAT_SINCE], now, 1.0)
    s.ai[a, A_MODE] = BUSY
    _release(s, a, site)


@njit
def _take_chats(s: State, a: int, site: int) -> bool:
    """``CallFlow._take_chats``."""
    if not _handles(s, site, CHAT, a):
        return False
    q = _q_chat(s, site)
    took = False
    while s.q[q, 0] >= 0 and s.ai[a, A_NCHATS] < s.pi[I_MAX_CHATS]:
        c = _q_pop(s, q)
        if c >= 0:
            s.site_i[site, T_CHAT_WAITING] -= 1
            _queue_change(s, site, -1)
            _start_chat(s, c, site, a)
            took = True
    return took


# ---------------------------------------------------------------- supervisors


@njit
def _escalate(s: State, c: int, site: int) -> bool:
    """``CallFlow._escalate``; whether the contact lives on (with a supervisor or in their queue)."""
    if s.site_i[site, T_SUP_COUNT] == 0:
        _follow_up(s, c, True)
        return False
    now = s.sf[SF_NOW]
    s.cf[c, F_TESC] = now
    if s.site_i[site, T_SUP_BUSY] < s.site_i[site, T_SUP_ON]:
        _supervise(s, c, site)
        return True
    s.ci[c, C_STATE] = SUP_WAITING
    _q_append(s, _q_sup(s, site), c)
    s.site_i[site, T_SUP_WAITING] += 1
    patience = s.cf[c, F_PATIENCE] * s.site_f[site, L_SUP_PATIENCE]
    if patience != math.inf:
        push(s, patience, E_SUP_PATIENCE, c, s.ci[c, C_GEN], 0.0)
    return True


@njit(inline="always")
def _supervise(s: State, c: int, site: int) -> None:
    """``CallFlow._supervise``."""
    s.ci[c, C_STATE] = SUP_SERVED
    s.site_i[site, T_SUP_BUSY] += 1
    _add(s, c, K_SUP_ANSWERED, 1.0)
    _add(s, c, K_SUP_WAIT, s.sf[SF_NOW] - s.cf[c, F_TESC])
    push(s, s.cf[c, F_SUP + site], E_SUP_END, c, s.ci[c, C_GEN], 0.0)


@njit
def _next_escalation(s: State, site: int) -> None:
    """``CallFlow._next_escalation``."""
    q = _q_sup(s, site)
    while s.q[q, 0] >= 0 and s.site_i[site, T_SUP_BUSY] < s.site_i[site, T_SUP_ON]:
        c = _q_pop(s, q)
        if c >= 0:
            s.site_i[site, T_SUP_WAITING] -= 1
            _supervise(s, c, site)


@njit
def _on_supervisor_patience(s: State, c: int) -> None:
    """``CallFlow._on_supervisor_patience``."""
    if s.ci[c, C_STATE] != SUP_WAITING:
        return
    s.ci[c, C_STATE] = SUP_ABANDONED
    site = s.ci[c, C_SITE]
    s.site_i[site, T_SUP_WAITING] -= 1
    _add(s, c, K_SUP_ABANDONED, 1.0)
    _add(s, c, K_SUP_WAIT, s.sf[SF_NOW] - s.cf[c, F_TESC])
    _follow_up(s, c, True)
    _done(s, c)


@njit
def _on_supervisor_end(s: State, c: int) -> None:
    """``CallFlow._on_supervisor_end``."""
    site = s.ci[c, C_SITE]
    if s.cf[c, F_URES] < s.site_f[site, L_SUP_RES_P]:
        _add(s, c, K_SUP_RESOLVED, 1.0)
    else:
        _follow_up(s, c, True)
    s.site_i[site, T_SUP_BUSY] -= 1
    _done(s, c)
    _next_escalation(s, site)


# ---------------------------------------------------------------- dispatch


@njit
def _available(s: State, a: int, site: int) -> None:
    """``CallFlow.available``: agent ``a`` is free."""
    if _handles(s, site, VOICE, a):
        for rank in range(s.pi[I_RANKS]):
            q = _q_voice(s, site, rank)
            while s.q[q, 0] >= 0:
                c = _q_pop(s, q)
                if c >= 0:
                    _queue_change(s, site, -1)
                    _answer(s, c, site, a)
                    return
    if s.site_i[site, T_CHAT_WAITING] and _take_chats(s, a, site):
        return
    _make_idle(s, a, site)
    if s.site_i[site, T_EMAILS_N]:
        _serve_emails(s, site)


@njit
def _serve_emails(s: State, site: int) -> None:
    """``CallFlow._serve_emails``."""
    q = _q_email(s, site)
    while s.site_i[site, T_EMAILS_N] and s.site_i[site, T_IDLE_N] > s.pi[I_EMAIL_RESERVE]:
        a = _pick_idle(s, site, EMAIL)
        if a < 0:
            return
        c = _q_pop(s, q)
        s.site_i[site, T_EMAILS_N] -= 1
        _answer(s, c, site, a)


@njit
def _on_supervisor_duty(s: State, site: int, n_on: int) -> None:
    """``CallFlow.on_supervisor_duty``."""
    s.site_i[site, T_SUP_ON] = n_on
    _next_escalation(s, site)


@njit(cache=True)
def in_system(s: State) -> bool:
    """``CallFlow.in_system``."""
    for a in range(s.ai.shape[0]):
        if s.ai[a, A_MODE] == BUSY or s.ai[a, A_MODE] == CHATTING:
            return True
    for site in range(s.pi[I_SITES]):
        if s.site_i[site, T_WAITING] or s.site_i[site, T_SUP_BUSY] or s.site_i[site, T_SUP_WAITING]:
            return True
    return False


@njit(cache=True)
def run(s: State, until: float, need_calls: int, need_heap: int, need_log: int) -> int:
    """Process events with time below ``until`` (``ST_UNTIL``, the clock then at ``until``).

    Returns early, between events, with ``ST_DAY`` after a day-start event (the driver opens
    the day), ``ST_REFILL`` when a stream has fewer uniforms left than one event may use, or
    ``ST_GROW`` when the contact pool, the heap or the call-log buffer may not hold one more event's.
    """
    while True:
        src, t, seq = SRC_NONE, math.inf, 0
        if s.si[S_HEAP_N] > 0:
            src, t, seq = SRC_HEAP, s.hf[0, H_T], s.hi[0, H_SEQ]
        if s.si[S_BASE_ON] and (src == SRC_NONE or s.sf[SF_BASE_T] < t or (
                s.sf[SF_BASE_T] == t and s.si[S_BASE_SEQ] < seq)):
            src, t, seq = SRC_BASE, s.sf[SF_BASE_T], s.si[S_BASE_SEQ]
        if s.si[S_PAT_N] > 0 and (src == SRC_NONE or _pat_before(s, 0, t, seq)):
            src, t = SRC_PATIENCE, s.pt[0]
        if t >= until:
            s.sf[SF_NOW] = until
            return ST_UNTIL
        if s.si[S_ANY_NEED]:
            for r in range(N_STREAMS):
                if s.si[S_LEN + r] - s.si[S_POS + r] < s.si[S_NEED + r]:
                    return ST_REFILL
        if (s.si[S_FREE_N] < need_calls or s.hf.shape[0] - s.si[S_HEAP_N] < need_heap
                or (s.pi[I_LOG] and s.li.shape[0] - s.si[S_LOG_N] < need_log)):
            return ST_GROW
        s.sf[SF_NOW] = t
        if src == SRC_PATIENCE:
            c = s.pk[0, 1]
            _pat_remove(s, 0)
            _on_patience(s, c)
            continue
        if src == SRC_BASE:
            s.si[S_BASE_ON] = 0
            kind, a, b, x = E_BASE, 0, 0, 0.0
        else:
            kind, a, b, x = s.hi[0, H_KIND], s.hi[0, H_A], s.hi[0, H_B], s.hf[0, H_X]
            _pop(s)
            if (kind == E_SERVICE_END or kind == E_CHASE or kind == E_SUP_PATIENCE) and s.ci[a, C_GEN] != b:
                continue  # a timer of a contact whose row was recycled
        if kind == E_BASE:
            _on_base_arrival(s)
        elif kind == E_SERVICE_END:
            _on_service_end(s, a)
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
            _on_chase(s, a)
        elif kind == E_SUP_PATIENCE:
            _on_supervisor_patience(s, a)
        elif kind == E_SUP_END:
            _on_supervisor_end(s, a)
        elif kind == E_SUP_DUTY:
            _on_supervisor_duty(s, a, b)
        elif kind == E_DAY:
            return ST_DAY


@njit(cache=True)
def close(s: State) -> None:
    """Accrue each site's queue and staffed time up to now (the end of the run)."""
    for site in range(s.pi[I_SITES]):
        _queue_change(s, site, 0)
        _staff_change(s, site, 0)


numba.config.CACHE_DIR = _user_cache_dir  # type: ignore[attr-defined]
