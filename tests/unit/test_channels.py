"""Chat, email, skills and satisfaction: exact properties of single runs, read from the call log.

docs/model.md, Channels and Satisfaction. Each test builds a small scenario from
``tests/conftest.py``'s BASE and checks an identity that must hold call for call.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simulator as sim
from simulator import metrics as M
from tests.conftest import ALL_DAYS, BASE, scenario

DET = {"dist": "deterministic", "mean_s": 100.0}


def multichannel(**extra: Any) -> dict[str, Any]:
    """BASE with voice, chat and email types (deterministic 100 s chats), plus dotted overrides."""
    raw = copy.deepcopy(BASE)
    raw["demand"]["calls_per_hour"] = 90
    raw["demand"]["call_types"] = [
        {"name": "voice", "share": 0.4, "handle_time": {"dist": "exponential", "mean_s": 240}, "fcr": 0.8,
         "irate_p": 0.0, "escalation_p": 0.0},
        {"name": "chat", "share": 0.35, "channel": "chat", "handle_time": DET, "fcr": 0.8, "irate_p": 0.0,
         "escalation_p": 0.0, "patience": {"dist": "exponential", "mean_s": 120}},
        {"name": "email", "share": 0.25, "channel": "email", "handle_time": {"dist": "exponential", "mean_s": 300},
         "fcr": 0.9, "irate_p": 0.0, "escalation_p": 0.0},
    ]
    raw["channels"] = {"chat": {"max_concurrency": 3, "capacity": [1.0, 1.6, 2.1]}}
    return sim.load_config(raw, overrides=extra).to_dict()


def log(raw: dict[str, Any], seed: int = 3) -> tuple[sim.SimulationResult, pd.DataFrame]:
    res = sim.simulate(sim.load_config(raw), seed=seed, call_log=True)
    calls = res.calls
    calls["start_s"] = calls["arrival_s"] + calls["wait_s"]
    calls["end_s"] = calls["start_s"] + calls["handle_s"]
    return res, calls


def test_each_chat_does_its_work_at_rate_c_of_n_over_n() -> None:
    """Processor sharing: over a chat's life, the integral of c(n(t)) / n(t) is its 100 s of work."""
    raw = multichannel(**{"sites.s.agents": 2})
    res, calls = log(raw)
    capacity = [0.0, 1.0, 1.6, 2.1]
    chats = calls[(calls.channel == "chat") & (calls.handle_s > 0)]
    assert len(chats) > 100 and chats.groupby("agent").size().min() > 20
    checked = 0
    for _, mine in chats.groupby("agent"):
        edges = np.unique(np.concatenate([mine.start_s, mine.end_s]))
        mid = (edges[:-1] + edges[1:]) / 2
        n = ((mine.start_s.to_numpy()[:, None] <= mid) & (mid < mine.end_s.to_numpy()[:, None])).sum(axis=0)
        assert n.max() <= 3
        rate = np.where(n > 0, np.take(capacity, n) / np.maximum(n, 1), 0.0)
        for start, end in zip(mine.start_s, mine.end_s, strict=True):
            inside = (mid > start) & (mid < end)
            work = float(np.sum(rate[inside] * np.diff(edges)[inside]))
            assert work == pytest.approx(100.0, abs=1e-6)
            checked += 1
    assert checked == len(chats)
    assert res.summary_dict()["chat_concurrency_mean"] > 1.2  # concurrency really happened


def test_skills_route_each_channel_to_its_agents() -> None:
    raw = multichannel(**{"sites.s.agents": 10})
    raw["sites"][0]["skills"] = [{"name": "phones", "channels": ["voice"], "share": 0.5},
                                 {"name": "digital", "channels": ["chat", "email"], "share": 0.5}]
    res, calls = log(raw)
    assert res.agents is not None
    skill = res.agents.skill
    assert np.bincount(skill[:10]).tolist() == [5, 5]
    served = calls[calls.agent >= 0]
    on_phones = skill[served.agent.to_numpy()] == 0
    assert (served.channel[on_phones] == "voice").all() and (served.channel[~on_phones] != "voice").all()
    assert set(served.channel) == {"voice", "chat", "email"}


def test_an_email_is_taken_only_when_no_voice_call_or_chat_waits() -> None:
    """Blended agents: at every email answer, no voice call or chat of the site was waiting."""
    raw = multichannel(**{"sites.s.agents": 4})
    _, calls = log(raw)
    waiting = calls[(calls.channel != "email") & (calls.wait_s > 0)]
    emails = calls[(calls.channel == "email") & (calls.agent >= 0)]
    assert len(emails) > 50 and len(waiting) > 50
    t = emails.start_s.to_numpy()[:, None]
    during = (waiting.arrival_s.to_numpy() < t) & (t < waiting.start_s.to_numpy())
    assert not during.any()


def test_email_conservation_and_the_overnight_backlog() -> None:
    """Arrived = replied + backlog + in service, exactly; emails wait over night when no one works."""
    raw = multichannel(**{"days": 3, "sites.s.agents": 3})
    raw["demand"] = {**raw["demand"], "mode": "profile", "calls_per_day": 600,
                     "open_h": dict.fromkeys(ALL_DAYS, [8.0, 20.0])}
    raw["sites"][0]["roster"]["shifts"][0].update(start_h=8.0, length_h=8.0)
    res, calls = log(raw)
    total = dict(zip(M.COUNTERS, res.totals(measured=False).sum(axis=0), strict=True))
    assert total["email_arrived"] == total["email_replied"] + sum(res.emails_at_end) + sum(
        res.emails_in_service_at_end)
    assert sum(res.emails_at_end) > 0  # the last backlog, left for shifts after the horizon
    assert total["email_backlog"] > 0 and total["email_backlog_days"] == 2
    replied = calls[calls.channel == "email"]
    assert (replied.start_s - replied.arrival_s).max() > 8 * 3600  # answered the next morning


def test_a_chased_email_becomes_a_voice_contact_of_the_same_caller() -> None:
    raw = multichannel(**{"sites.s.agents": 2, "channels.email.chase_after_h": 0.25, "channels.email.chase_p": 0.5})
    res, calls = log(raw)
    chased = res.summary_dict()["email_chased"]
    email_callers = set(calls.caller[calls.channel == "email"])
    phoned = calls[(calls.channel == "voice") & (calls.attempt > 0) & calls.caller.isin(email_callers)]
    total = dict(zip(M.COUNTERS, res.totals(measured=False).sum(axis=0), strict=True))
    assert chased > 10 and len(phoned) == total["email_chased"]  # no redials or repeats in BASE


def test_satisfaction_follows_its_equation_contact_by_contact() -> None:
    """Every handled contact's csat is the documented product; surveys answer only with 0/1."""
    raw = multichannel(**{"sites.s.agents": 3, "satisfaction.survey_share": 0.5, "demand.repeat.p": 0.5,
                          "demand.repeat.delay": {"dist": "exponential", "mean_s": 600}})
    cfg = sim.load_config(raw)
    s = cfg.satisfaction
    _, calls = log(raw)
    scored = calls[calls.csat.notna()]
    assert len(scored) == (calls.handle_s > 0).sum()
    target = {"voice": cfg.sl_threshold_s, "chat": cfg.channels.chat.sl_threshold_s,
              "email": cfg.channels.email.target_h * 3600}
    free, full = s.wait_free_multiple, s.wait_full_multiple
    penalised = 0
    for row in scored.itertuples():
        x = (s.base * s.channel_multiplier.get(row.channel, 1.0)
             * (1.0 if row.outcome == "resolved" else s.unresolved_multiplier)
             * (s.repeat_multiplier if row.attempt else 1.0))
        wait = row.wait_s + row.handle_s if row.channel == "email" else row.wait_s
        w = min(max((wait / target[row.channel] - free) / (full - free), 0.0), 1.0)
        penalised += w > 0
        assert row.csat == pytest.approx(x * (1 - s.wait_penalty * w), rel=1e-12)
    assert penalised > 10 and (scored.attempt > 0).sum() > 10
    assert set(calls.survey) == {-1, 0, 1}
    assert (calls.survey[calls.csat.isna()] == -1).all()


def test_without_chat_or_email_the_new_counters_stay_zero() -> None:
    res = sim.simulate(scenario({"satisfaction.survey_share": 0.0}), seed=1)
    row = res.summary_dict()
    for key in ("chat_offered", "email_arrived", "email_backlog_days", "surveys", "survey_responses"):
        assert row[key] == 0, key
    assert math.isnan(row["chat_service_level"]) and row["voice_service_level"] == row["service_level"]
    assert row["csat_n"] == row["resolvable"] > 0


def test_skill_groups_have_exact_counts_spread_over_the_shifts() -> None:
    from simulator.workforce import spread_groups

    group = spread_groups(40, [0.5, 0.3, 0.2])
    assert np.bincount(group).tolist() == [20, 12, 8]
    # Agents are listed shift by shift: each block of 10 gets about its share of every group.
    for block in group.reshape(4, 10):
        assert np.abs(np.bincount(block, minlength=3) - [5, 3, 2]).max() <= 1


def test_a_channel_nobody_handles_is_a_config_error() -> None:
    raw = multichannel()
    raw["sites"][0]["skills"] = [{"name": "phones", "channels": ["voice", "email"], "share": 1.0}]
    with pytest.raises(sim.ConfigError, match=r"sites\.s\.skills: no agent handles \['chat'\]"):
        sim.load_config(raw)
    with pytest.raises(sim.ConfigError, match=r"channels\.chat\.capacity: expected at least max_concurrency = 4"):
        multichannel(**{"channels.chat.max_concurrency": 4})  # the curve has 3 entries


def test_chats_end_at_a_large_clock() -> None:
    """Regression: multichannel.yaml once stalled at day 191 of seed 1 (analytic start): a chat
    left a few ulps of work, its end rounded to no time at all and its timer fired forever.
    Run in a subprocess so that a relapse fails within the timeout instead of hanging the suite."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import simulator as sim; "
            f"cfg = sim.load_config({str(ROOT / 'configs/multichannel.yaml')!r}, "
            "overrides={'days': 195, 'warmup_days': 7, 'spinup_days': 0}); "
            "print(sim.simulate(cfg, seed=1).summary_dict()['chat_offered'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert float(out.stdout) > 10_000
