"""Class bodies: results of different agents of one treatment class, gathered at the class.

Reviews pool at class level (NSAIDs vs placebo, shock wave therapy vs sham,
selective COX-2 inhibitors vs non-selective NSAIDs). Besides the body of a
trial's own comparison, calcidata gathers a *class body* at an ancestor in the
treatment hierarchy (``treatments.parent_id``):

* **Which results are lifted**: comparative results of primary studies (never a
  review, never a within-arm result, never a source that is not a study) with an
  effect a pool can use (``yi``; see :func:`calcidata.synthesis.estimate.study_effects`).
* **Which classes**: each ancestor of the result's treatment (the intervention
  side) and, where the comparator is a treatment, each ancestor of the comparator
  (the comparator side), or both; never a pair in which one class contains the
  other or both are the same.
* **When a class body exists**: two or more studies of two or more different agent
  comparisons (the results' own treatment and comparator) share condition x class
  comparison x outcome definition x timepoint band. A class that gathers exactly
  the same results as a narrower one adds nothing and is left out (the narrowest
  class is kept).
* **The body**: it is the body of the class's own comparison (a review of the class
  in it keeps the trials it includes as constituents, as for any review); without
  such a review its studies are pooled as any body's (one result per study, so a
  multi-arm trial is never counted twice). Each result still has its own body too:
  a trial appears in its agent's body and in the class body, never twice in one
  body, and the class body's estimate is never pooled with its agents' bodies.
  Class-level results whose reverse orientation has more results are turned
  round (as :func:`calcidata.synthesis.items.body_items` does for agents).

The lifted copies keep their ``item_id`` and carry ``lifted`` (True),
``agent_id`` and ``agent_comp`` (the result's own treatment and comparator key).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from calcidata.schemas.effect_measures import codes as measures_where
from calcidata.schemas.vocabularies import NON_STUDY_DESIGNS, REVIEW_DESIGNS
from calcidata.synthesis._item_rows import Coded
from calcidata.synthesis._keyed import combined, matches
from calcidata.tables.hierarchy import ancestors, parents_of

_POOLABLE = set(measures_where(poolable=True))
_NOT_PRIMARY = {*REVIEW_DESIGNS, *NON_STUDY_DESIGNS}


def _nunique(group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per row: how many distinct ``value`` codes its ``group`` holds (0 for group -1)."""
    ok = (group >= 0) & (value >= 0)
    width = np.int64(value.max() + 1) if len(value) else np.int64(1)
    pairs = pd.unique(group[ok].astype(np.int64) * width + value[ok])  # hashed, not sorted
    count = np.bincount(pairs // width, minlength=int(group.max()) + 1 if len(group) else 0)
    return np.where(group >= 0, count[np.maximum(group, 0)], 0)


def _with_missing(codes: np.ndarray, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and words with the missing value (-1) a word of its own (``None``), the last."""
    out = np.empty(len(words) + 1, dtype=object)
    out[:-1], out[-1] = words, None
    return np.where(codes < 0, len(words), codes), out


def lift(
    items: pd.DataFrame,
    treatments: pd.DataFrame,
    question: np.ndarray,
    study: np.ndarray,
    agents: tuple[Coded, Coded],
    kinds: tuple[Coded, Coded],
) -> pd.DataFrame:
    """The copies of results that class bodies gather (see the module docstring).

    Parameters
    ----------
    items : pandas.DataFrame
        Items keyed by body (:func:`calcidata.synthesis.items.body_items` before
        its ``body_id``), with ``yi``.
    treatments : pandas.DataFrame
        The treatments table (``treatment_id``, ``parent_id``).
    question : numpy.ndarray
        Per item, a code of its condition x outcome definition x timepoint band (-1 where
        one is missing).
    study : numpy.ndarray
        Per item, a code of its ``study_id``.
    agents : tuple of Coded
        The codes of ``agent_id`` and of ``agent_comp``.
    kinds : tuple of Coded
        The codes of ``study_design`` and of ``effect_measure``.

    Returns
    -------
    pandas.DataFrame
        The lifted copies (the items' columns, their class ids as ``treatment_id``,
        ``comparator_id``, ``comp_key`` and ``comparison_id``), indexed by the positions
        of the items they copy; empty when no class body forms.
    """
    parents = parents_of(treatments, "treatment_id")
    design, measure = kinds  # each design and measure tested once
    primary = design.test(lambda d: d not in _NOT_PRIMARY) & measure.test(_POOLABLE.__contains__)
    ok = ~items["within_arm"].to_numpy(bool) & primary
    ok &= items["yi"].notna().to_numpy()
    at = np.flatnonzero(ok)  # the rows that can be lifted, by position
    # only questions with two or more agent comparisons and studies can form a class body
    (ag, ua), (cp, uc) = (_with_missing(a.codes[at], a.words) for a in agents)
    treat = items["comparator_id"].notna().to_numpy()[at]
    code, upair = pd.factorize((ag.astype(np.int64) * len(uc) + cp) * 2 + treat)
    combos = [(ua[p // 2 // len(uc)], uc[p // 2 % len(uc)], bool(p % 2)) for p in upair]
    q, study = question[at], study[at]
    wide = (_nunique(q, study) >= 2) & (_nunique(q, code) >= 2)
    at, code, q, study = at[wide], code[wide], q[wide], study[wide]
    if not len(at):
        return items.iloc[0:0]

    found: dict[str, list[str]] = {}

    def up(t: str) -> list[str]:  # each treatment's ancestors found once
        if t not in found:
            found[t] = ancestors(parents, t)
        return found[t]

    # each agent comparison's class pairs (own levels x comparator levels), never nested;
    # with whether the pair is the agents' own and its depth (levels above the agents)
    pairs: list[tuple[int, str, str, bool, int]] = []
    for i, (agent, comp, treated) in enumerate(combos):
        agent, comp = str(agent), str(comp)
        sides = [comp, *up(comp)] if treated else [comp]
        for a in [agent, *up(agent)]:
            pairs += [(i, a, b, a == combos[i][0] and b == combos[i][1], len(up(a)) + len(up(b)))
                      for b in sides if a != b and a not in up(b) and b not in up(a)]  # fmt: skip
    # each row beside each pair of its agent comparison (an inner merge on the code)
    lt_all = np.array([p[1] for p in pairs], dtype=object)
    lc_all = np.array([p[2] for p in pairs], dtype=object)
    own_all = np.array([p[3] for p in pairs], dtype=bool)
    depth_all = np.array([p[4] for p in pairs], dtype=np.int64)
    left, right = matches(code, np.array([p[0] for p in pairs], dtype=np.int64))
    if not len(left):
        return items.iloc[0:0]
    row, question, own = at[left], q[left], own_all[right]  # question: -1 if a key is missing
    # per class body (group -1: a key missing, no body): agents, studies, any lifted result
    lt_code, lt_words = pd.factorize(lt_all)
    lc_code, lc_words = pd.factorize(lc_all)
    key = (question * len(lt_words) + lt_code[right]) * len(lc_words) + lc_code[right]
    group = np.where(question < 0, -1, pd.factorize(key)[0])
    has = group >= 0
    lifted = np.bincount(group[has], weights=~own[has], minlength=int(group.max()) + 2) > 0
    keep = (_nunique(group, code[left]) >= 2) & (_nunique(group, study[left]) >= 2)
    keep &= has & lifted[np.maximum(group, 0)]
    row, right, group, question = row[keep], right[keep], group[keep], question[keep]
    if not len(row):
        return items.iloc[0:0]
    # the set of results of each class body, as a signature (count, sums of row numbers)
    r = row.astype(np.int64)
    group = pd.factorize(group)[0]
    size, total, total2 = (np.zeros(group.max() + 1, np.int64) for _ in range(3))
    np.add.at(size, group, 1)
    np.add.at(total, group, r)
    np.add.at(total2, group, r * r)
    same = combined([pd.factorize(v)[0] for v in (question, size[group], total[group],
                                                   total2[group])])  # fmt: skip
    # the narrowest class of each set of results (the deepest), never the agents' own pair
    depth = depth_all[right]
    deepest = np.full(int(same.max()) + 1, np.iinfo(np.int64).min)
    np.maximum.at(deepest, same, depth)
    chosen = (depth == deepest[same]) & ~own_all[right]
    row, right = row[chosen], right[chosen]
    copies: pd.DataFrame = items.iloc[row].copy()
    lt_v, lc_v = lt_all[right], lc_all[right]
    treat = copies["comparator_id"].notna().to_numpy()
    copies["treatment_id"] = lt_v
    copies["comparator_id"] = pd.Series(lc_v, index=copies.index, dtype=object).where(treat)
    copies["comparator"] = np.where(treat, lc_v, copies["comparator"].to_numpy(dtype=object))
    copies["comp_key"] = lc_v
    copies["lifted"] = True
    copies["comp_lifted"] = copies["agent_comp"].to_numpy(dtype=object) != lc_v
    return copies


def oriented(copies: pd.DataFrame, align: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """Class-level copies turned round where the reverse class comparison has more results.

    ``align`` turns items round (arms, estimate and CI); the effect ``yi`` is negated
    here (a log ratio or a difference). ``comparison_id`` is set from the class ids.
    """
    if copies.empty:
        return copies
    before = copies["reversed"].astype(bool).to_numpy()
    out = align(copies.drop(columns="reversed"))
    flipped = out["reversed"].astype(bool).to_numpy()
    out["yi"] = np.where(flipped, -out["yi"].to_numpy(float), out["yi"].to_numpy(float))
    out["reversed"] = before ^ flipped
    comp = out["comparator_id"].where(out["comparator_id"].notna(), out["comp_key"])
    out["comp_key"] = comp.astype(object)
    out["comparison_id"] = out["treatment_id"].astype(object) + "__vs__" + out["comp_key"]
    return out


__all__ = ["lift", "oriented"]
