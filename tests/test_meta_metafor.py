"""calcidata.meta against R's metafor, run live on the same inputs (skipped without it).

One ``Rscript`` call computes ``escalc`` and ``rma`` (FE, DL, PM, REML; z and
Knapp-Hartung tests) for the peer datasets and for seeded random ones
(including 2x2 tables with zero cells), and every field is compared.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import calcidata

meta = calcidata.meta
REF = Path(__file__).resolve().parent / "reference"
pytestmark = pytest.mark.r_metafor

METHODS = {"FE": "EE", "DL": "DL", "PM": "PM", "REML": "REML"}

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
cases <- read.csv(args[1], stringsAsFactors = FALSE)
out <- list()
for (name in unique(cases$case)) {
  d <- cases[cases$case == name, ]
  m <- d$measure[1]
  if (m %in% c("RR", "OR", "RD")) {
    es <- escalc(measure = m, ai = d$ai, bi = d$bi, ci = d$ci, di = d$di)
  } else if (m %in% c("MD", "MDHO", "SMD")) {
    es <- escalc(measure = if (m == "MDHO") "MD" else m, m1i = d$m1i, sd1i = d$sd1i,
                 n1i = d$n1i, m2i = d$m2i, sd2i = d$sd2i, n2i = d$n2i,
                 vtype = if (m == "MDHO") "HO" else "LS")
  } else {
    es <- data.frame(yi = d$yi, vi = d$vi)
  }
  rows <- data.frame(case = name, method = "", test = "", field = c(
      paste0("yi", seq_along(es$yi)), paste0("vi", seq_along(es$vi))),
    value = c(es$yi, es$vi))
  for (method in c("EE", "DL", "PM", "REML")) {
    for (test in c("z", "knha")) {
      fit <- suppressWarnings(rma(es$yi, es$vi, method = method, test = test,
                 control = list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)))
      p <- predict(fit)
      vals <- c(estimate = fit$beta[1], se = fit$se, ci_low = fit$ci.lb, ci_high = fit$ci.ub,
                zval_or_tval = fit$zval, pval = fit$pval, tau2 = fit$tau2, q = fit$QE,
                q_pval = fit$QEp, i2 = fit$I2, h2 = fit$H2,
                pi_low = if (is.null(p$pi.lb)) p$ci.lb else p$pi.lb,
                pi_high = if (is.null(p$pi.ub)) p$ci.ub else p$pi.ub)
      w <- weights(fit)
      vals <- c(vals, setNames(as.numeric(w), paste0("weight", seq_along(w))))
      rows <- rbind(rows, data.frame(case = name, method = method, test = test,
                                     field = names(vals), value = as.numeric(vals)))
    }
  }
  out[[name]] <- rows
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
"""


def _cases() -> pd.DataFrame:
    bcg = pd.read_csv(REF / "bcg.csv", comment="#")
    normand = pd.read_csv(REF / "normand1999.csv", comment="#")
    frames = []
    for m in ("RR", "OR", "RD"):
        frames.append(
            pd.DataFrame(
                {"case": f"bcg_{m}", "measure": m, "ai": bcg.tpos, "bi": bcg.tneg}
                | {"ci": bcg.cpos, "di": bcg.cneg}
            )
        )
    cont = normand[["m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"]]
    for m in ("MD", "MDHO", "SMD"):
        frames.append(cont.assign(case=f"normand_{m}", measure=m))
    rng = np.random.default_rng(20260522)
    for i, k in enumerate((3, 7, 15)):
        n1, n2 = rng.integers(5, 60, k), rng.integers(5, 60, k)
        ai, ci = rng.binomial(n1, 0.15), rng.binomial(n2, 0.3)
        ai[0] = 0  # a zero cell: metafor adds 1/2 to that table
        for m in ("RR", "OR", "RD"):
            frames.append(
                pd.DataFrame(
                    {"case": f"random{i}_{m}", "measure": m, "ai": ai, "bi": n1 - ai}
                    | {"ci": ci, "di": n2 - ci}
                )
            )
        frames.append(
            pd.DataFrame(
                {
                    "case": f"random{i}_SMD",
                    "measure": "SMD",
                    "m1i": rng.normal(10, 2, k),
                    "sd1i": rng.uniform(1, 4, k),
                    "n1i": n1,
                    "m2i": rng.normal(9, 2, k),
                    "sd2i": rng.uniform(1, 4, k),
                    "n2i": n2,
                }
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "case": f"random{i}_GEN",
                    "measure": "GEN",
                    "yi": rng.normal(0, 1, k) * rng.choice([0.01, 1, 100]),
                    "vi": rng.uniform(0.01, 1, k),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def metafor(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed")
    probe = subprocess.run(
        ["Rscript", "-e", "library(metafor)"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("the R package metafor is not installed")
    tmp = tmp_path_factory.mktemp("metafor")
    cases = _cases()
    cases.to_csv(tmp / "cases.csv", index=False)
    (tmp / "run.R").write_text(R_SCRIPT, encoding="utf-8")
    subprocess.run(
        ["Rscript", str(tmp / "run.R"), str(tmp / "cases.csv"), str(tmp / "out.csv")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return cases, pd.read_csv(tmp / "out.csv", keep_default_na=False)


def _ours(d: pd.DataFrame) -> pd.DataFrame:
    m = d.measure.iloc[0]
    if m in ("RR", "OR", "RD"):
        return meta.effect_sizes(m, ai=d.ai, bi=d.bi, ci=d.ci, di=d.di)
    if m == "GEN":
        return d[["yi", "vi"]].reset_index(drop=True)
    cols = {c: d[c] for c in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    if m == "MDHO":
        return meta.effect_sizes("MD", vtype="pooled", **cols)
    return meta.effect_sizes(m, **cols)


def _close(ours: float, theirs: float, scale: float = 1.0) -> bool:
    if np.isnan(ours) and np.isnan(theirs):
        return True
    return bool(np.isclose(ours, theirs, rtol=1e-6, atol=1e-8 * scale))


def test_every_field_agrees_with_metafor(metafor):
    cases, theirs = metafor
    theirs["value"] = pd.to_numeric(theirs["value"].replace({"NA": "nan"}))
    compared = 0
    problems = []
    for name, d in cases.groupby("case", sort=False):
        es = _ours(d)
        mine = theirs[theirs.case == name]
        ref = mine[mine.method == ""].set_index("field").value
        for i in range(len(es)):
            for col in ("yi", "vi"):
                compared += 1
                if not _close(es[col][i], ref[f"{col}{i + 1}"]):
                    problems.append((name, col, i, es[col][i], ref[f"{col}{i + 1}"]))
        scale = float(np.abs(es.yi).max() + es.vi.max())
        for (method, test), rows in mine[mine.method != ""].groupby(["method", "test"]):
            ours_method = next(k for k, v in METHODS.items() if v == method)
            res = meta.pool(es.yi, es.vi, method=ours_method, test=test, pi="z")
            values = rows.set_index("field").value
            for field, value in values.items():
                if field.startswith("weight"):
                    got = res.weights[int(field.removeprefix("weight")) - 1]
                elif field in ("pi_low", "pi_high") and test == "knha" and method != "EE":
                    continue  # metafor's knha PI uses t(k-1); ours offers t(k-2) or z
                else:
                    got = getattr(res, field)
                compared += 1
                if not _close(got, value, scale):
                    problems.append((name, method, test, field, got, value))
    assert compared > 2000
    assert not problems, problems[:20]
