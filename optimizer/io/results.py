"""Result writers: terminal table, CSV, JSON and the ``--out`` folder of ``fsf solve``.

Every amount is written as an integer number of pesos; CSV files are UTF-8 with a BOM so that
spreadsheet programs show accented names correctly.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from optimizer.compare import Comparison
from optimizer.domain import AllocationPlan, AxisResult, RegionResult, Scenario, to_plain
from optimizer.i18n import Texts, texts
from optimizer.io.workbook import write_xlsx

PLAN_SCHEMA_VERSION = 1

TRANSIENT = ("stage_seconds", "versions", "solver")
"""Stats fields that change between machines or runs (left out of golden files)."""


def plan_to_dict(plan: AllocationPlan) -> dict[str, object]:
    """The plan as JSON-ready data (schema in docs/formulation.md, 'JSON output')."""
    data = to_plain(plan)
    assert isinstance(data, dict)
    data["schema_version"] = PLAN_SCHEMA_VERSION
    data["total"] = plan.total
    return data


def plan_to_json(plan: AllocationPlan) -> str:
    """Deterministic compact JSON text: sorted keys, one line, UTF-8 characters kept.

    Compact on purpose: ``json`` only uses its C encoder without ``indent``, which makes a
    municipal plan (59,000 cells) serialise several times faster.
    """
    data = plan_to_dict(plan)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def allocations_csv(plan: AllocationPlan) -> str:
    """One row per (region, axis): region, region_name, axis, amount, target."""
    names = {r.code: r.name for r in plan.regions}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["region", "region_name", "axis", "amount", "target"])
    for c in plan.cells:
        w.writerow([c.region, names[c.region], c.axis, c.amount, c.target])
    return out.getvalue()


def regions_csv(plan: AllocationPlan) -> str:
    """One row per region with target, final, previous, change, bounds and main rule."""
    just = {j.region: j for j in plan.justifications}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "region",
            "name",
            "target",
            "amount",
            "previous",
            "change",
            "change_pct",
            "lower",
            "upper",
            "main_rule",
            "per_capita",
            "per_capita_rank",
            *_criteria_head(plan),
        ]
    )
    for r in plan.regions:
        j = just[r.code]
        w.writerow(
            [
                r.code,
                r.name,
                r.target,
                r.amount,
                "" if r.previous is None else r.previous,
                "" if j.change is None else j.change,
                "" if j.change_pct is None else f"{j.change_pct:.4f}",
                "" if r.lower is None else r.lower,
                "" if r.upper is None else r.upper,
                r.main_rule,
                "" if j.per_capita is None else f"{j.per_capita:.2f}",
                "" if j.per_capita_rank is None else j.per_capita_rank,
                *_criteria_row(plan, r),
            ]
        )
    return out.getvalue()


def _criteria_head(plan: AllocationPlan) -> list[str]:
    """Extra columns of a plan with guaranteed amounts or categories (none otherwise)."""
    head = ["guaranteed", "formula_on_excess"] if plan.guaranteed_total is not None else []
    return head + [f"category:{c.category}" for c in plan.categories]


def _criteria_row(plan: AllocationPlan, r: RegionResult) -> list[object]:
    row: list[object] = []
    if plan.guaranteed_total is not None:
        g = r.guaranteed or 0
        row += [g, r.target - g]
    return row + [c.amount for c in r.categories]


def justifications_md(plan: AllocationPlan) -> str:
    """Markdown: one section per region with its text and its criteria table."""
    t = texts(plan.language)
    fund = plan.fund
    lines = [
        t._("# Justifications: {scenario}").format(scenario=plan.scenario),
        "",
        t._("Fund: {name} {year}, {amount} {currency}").format(
            name=fund.name,
            year=fund.fiscal_year,
            amount=t.number(fund.total),
            currency=fund.currency,
        ),
        "",
    ]
    names = {r.code: r.name for r in plan.regions}
    head = "| {} | {} | {} |".format(t._("criterion"), t._("weight"), t._("amount"))
    for j in plan.justifications:
        lines += [f"## {names[j.region]} ({j.region})", "", j.text, ""]
        lines += [head, "| --- | ---: | ---: |"]
        lines += [
            f"| {c.label} | {t.percent(c.weight)} | {t.money(c.amount)} |" for c in j.contributions
        ]
        weights = sum(c.weight for c in j.contributions)
        total = t._("Formula amount")
        lines.append(f"| **{total}** | {t.percent(weights)} | **{t.money(j.target)}** |")
        lines.append("")
        if j.categories:
            lines += [
                "| {} | {} | {} |".format(t._("category"), t._("effective weight"), t._("amount")),
                "| --- | ---: | ---: |",
            ]
            lines += [
                f"| {c.label} | {t.percent(c.weight)} | {t.money(c.amount)} |" for c in j.categories
            ]
            lines.append("")
    return "\n".join(lines)


def _fixed_width(head: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """Head, separator, the rows but the last, separator, the last row (the totals)."""
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]

    def fmt(row: tuple[str, ...]) -> str:
        cells = [
            v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return [fmt(head), sep, *(fmt(r) for r in rows[:-1]), sep, fmt(rows[-1])]


def render_table(plan: AllocationPlan, *, timings: bool = False) -> str:
    """A fixed-width table: a row per region, a totals row and a line about the run.

    The seconds the run took appear only with ``timings``, so that the same input prints the
    same text.
    """
    t = texts(plan.language)
    year = plan.fund.fiscal_year - 1
    head: tuple[str, ...] = (
        t._("code"),
        t._("state"),
        t._("formula amount"),
        t._("allocation"),
        t._("change from {year}").format(year=year),
        t._("rule"),
    )
    # Plans with guaranteed amounts or categories show them after the formula amount
    # (top-level categories only: sub-categories are in the JSON and in regions.csv).
    extra_head, extra = _table_extras(plan, t)
    head = (*head[:3], *extra_head, *head[3:])
    rows: list[tuple[str, ...]] = []
    for k, r in enumerate(plan.regions):
        change = "" if r.previous is None else t.signed(r.amount - r.previous)
        rule = t.rule(r.main_rule) if r.main_rule else ""
        rows.append(
            (r.code, r.name, t.number(r.target), *extra[k], t.number(r.amount), change, rule)
        )
    prev = [r.previous for r in plan.regions]
    total_change = (
        "" if any(p is None for p in prev) else t.signed(plan.total - sum(p or 0 for p in prev))
    )
    sums = [sum(int(row[i].replace(",", "")) for row in extra) for i in range(len(extra_head))]
    rows.append(
        (
            "",
            t._("TOTAL"),
            t.number(sum(r.target for r in plan.regions)),
            *(t.number(v) for v in sums),
            t.number(plan.total),
            total_change,
            "",
        )
    )
    body = _fixed_width(head, rows, set(range(2, 5 + len(extra_head))))
    stats = plan.stats
    body.append("")
    about = [
        t._("objective: {objective}").format(objective=t.objective(stats.objective)),
        t.ngettext("{n} optimisation", "{n} optimisations", stats.lp_solves).format(
            n=stats.lp_solves
        ),
    ]
    if timings:
        seconds = sum(stats.stage_seconds.values())
        about.append(t._("{seconds} s").format(seconds=t.number(seconds, 3)))
    about.append(t._("input SHA-256 {digest}").format(digest=stats.input_sha256[:12]))
    body.append(" · ".join(about))
    along = along_axes_table(plan)
    if along:
        body += ["", along]
    return "\n".join(body)


def _table_extras(plan: AllocationPlan, t: Texts) -> tuple[list[str], list[list[str]]]:
    """Columns for the guaranteed amount and the top-level categories' subtotals, per region."""
    head: list[str] = []
    if plan.guaranteed_total is not None:
        head.append(t._("guaranteed"))
    top = [k for k, c in enumerate(plan.categories) if not c.parent]
    head += [plan.categories[k].label or plan.categories[k].category for k in top]
    rows: list[list[str]] = []
    for r in plan.regions:
        row = [t.number(r.guaranteed or 0)] if plan.guaranteed_total is not None else []
        row += [t.number(r.categories[k].amount) for k in top if k < len(r.categories)]
        rows.append(row)
    return head, rows


def write_out_dir(
    plan: AllocationPlan,
    folder: Path,
    plan_json: str | None = None,
    scenario: Scenario | None = None,
) -> list[Path]:
    """Write allocations.csv, regions.csv, plan.xlsx, justifications.md and plan.json.

    ``plan_json``: the text for plan.json (the CLI passes the service's JSON mapping);
    default :func:`plan_to_json`. ``scenario``: gives the workbook its criteria table (the
    directions and indicators) and its title and assumptions.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "allocations.csv": "\ufeff" + allocations_csv(plan),
        "regions.csv": "\ufeff" + regions_csv(plan),
        "justifications.md": justifications_md(plan),
        "plan.json": plan_json if plan_json is not None else plan_to_json(plan),
    }
    files.update({name: "\ufeff" + text for name, text in along_axes_csvs(plan).items()})
    written = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    write_xlsx(plan, folder / "plan.xlsx", scenario)
    written.append(folder / "plan.xlsx")
    return written


def comparison_csv(diff: Comparison) -> str:
    """One row per region: base, other, change (pesos and percent), main rule in each."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        ["region", "name", "base", "other", "change", "change_pct", "base_rule", "other_rule"]
    )
    for r in diff.regions:
        pct = "" if r.change_pct is None else f"{r.change_pct:.4f}"
        w.writerow(
            [
                r.code,
                r.name,
                r.base_amount,
                r.other_amount,
                r.change,
                pct,
                r.base_main_rule,
                r.other_main_rule,
            ]
        )
    return out.getvalue()


NAME_WIDTH = 40
"""Longest programa name in the comparison table (official names run to 180 characters)."""


def render_comparison(diff: Comparison, base: AllocationPlan, other: AllocationPlan) -> str:
    """A fixed-width table of state changes, then programa changes and rule changes."""
    t = texts(base.language)

    def rule(family: str) -> str:
        return t.rule(family) if family else "-"

    head = (
        t._("code"),
        t._("state"),
        base.scenario,
        other.scenario,
        t._("change"),
        "%",
        t._("rule"),
    )
    rows: list[tuple[str, ...]] = []
    for r in diff.regions:
        pct = "" if r.change_pct is None else t.percent(r.change_pct / 100, sign=True)
        if r.other_main_rule == r.base_main_rule:
            moved = t.rule(r.other_main_rule) if r.other_main_rule else ""
        else:
            moved = f"{rule(r.base_main_rule)} -> {rule(r.other_main_rule)}"
        rows.append(
            (
                r.code,
                r.name,
                t.number(r.base_amount),
                t.number(r.other_amount),
                t.signed(r.change),
                pct,
                moved,
            )
        )
    rows.append(
        (
            "",
            t._("TOTAL"),
            t.number(base.total),
            t.number(other.total),
            t.signed(diff.total_change),
            "",
            "",
        )
    )
    lines = _fixed_width(head, rows, {2, 3, 4, 5})
    if any(a.change for a in diff.axes):
        axis_head = (
            t.level(),
            t._("name"),
            base.scenario,
            other.scenario,
            t._("change"),
        )
        axis_rows: list[tuple[str, ...]] = [
            (
                a.id,
                a.name if len(a.name) <= NAME_WIDTH else a.name[: NAME_WIDTH - 3].rstrip() + "...",
                t.number(a.base_amount),
                t.number(a.other_amount),
                t.signed(a.change),
            )
            for a in diff.axes
        ]
        axis_rows.append(
            (
                "",
                t._("TOTAL"),
                t.number(sum(a.base_amount for a in diff.axes)),
                t.number(sum(a.other_amount for a in diff.axes)),
                t.signed(sum(a.change for a in diff.axes)),
            )
        )
        lines += ["", *_fixed_width(axis_head, axis_rows, {2, 3, 4})]
    names = {r.code: r.name for r in diff.regions}
    for title, refs in (
        (t._("rules that start to hold at their limit"), diff.started_binding),
        (t._("rules that stop holding at their limit"), diff.stopped_binding),
    ):
        if refs:
            lines += ["", f"{title}:"]
            for ref in refs:
                where = f"{names[ref.key]} ({ref.key})" if ref.key in names else ref.key
                lines.append(f"  {t.rule(ref.family)}: {where}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Along the approved axes: tree totals, proposals, co-financing, calendar, municipalities
# --------------------------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def groups_csv(plan: AllocationPlan) -> str:
    """One row per node of the programa tree (ejes and programas, then the leaves)."""
    rows: list[list[object]] = [
        [g.id, g.name, g.level, g.parent, g.target, g.amount, g.lower, g.upper, " ".join(g.binding)]
        for g in plan.groups
    ]
    rows += [
        [a.id, a.name, a.level, a.parent, a.target, a.amount, a.lower, a.upper, " ".join(a.binding)]
        for a in plan.axes
    ]
    header = ["id", "name", "level", "parent", "target", "amount", "lower", "upper", "binding"]
    return _csv(header, rows)


def proposals_csv(plan: AllocationPlan) -> str:
    """Where each state's proposal gave way: proposed, final, gap (pesos) and rule."""
    rows: list[list[object]] = [
        [g.region, g.axis, g.proposed, g.amount, g.gap, g.rule, g.rule_key]
        for g in plan.proposal_gaps
    ]
    return _csv(["region", "axis", "proposed", "amount", "gap", "rule", "rule_key"], rows)


def cofinancing_csv(plan: AllocationPlan) -> str:
    """Financiamiento conjunto per state, then per node of the tree."""
    rows: list[list[object]] = [
        [c.key, c.federal, c.contribution, c.total] for c in plan.cofinancing
    ]
    return _csv(["key", "federal", "contribution", "total"], rows)


def cofinancing_cells_csv(plan: AllocationPlan) -> str:
    """Financiamiento conjunto per state and node of the tree (eje, programa, leaf): the state's
    federal amount, its contribution split in proportion to its cells, and their total."""
    levels = {n.id: n.level for n in (*plan.groups, *plan.axes)}
    rows: list[list[object]] = [
        [c.region, c.node, levels.get(c.node, ""), c.federal, c.contribution, c.total]
        for c in plan.cofinancing_cells
    ]
    return _csv(["region", "node", "level", "federal", "contribution", "total"], rows)


def calendar_csv(plan: AllocationPlan) -> str:
    """One row per state with its ministrations, then the national row; each row's total."""
    cal = plan.calendar
    if cal is None:
        return ""
    names = {r.code: r.name for r in plan.regions}
    rows: list[list[object]] = []
    for r, code in enumerate(cal.regions):
        row = list(cal.row(r))
        rows.append([code, names.get(code, ""), *row, sum(row)])
    rows.append(["", "TOTAL", *cal.national, sum(cal.national)])
    return _csv(["region", "region_name", *cal.months, "total"], rows)


def municipalities_csv(plan: AllocationPlan) -> str:
    """Each state's pass-through, then each municipality's part of it."""
    rows: list[list[object]] = [
        [p.region, "", "", f"{p.share:.4f}", p.amount, ""] for p in plan.pass_through
    ]
    rows += [[m.region, m.code, m.name, "", m.amount, m.target] for m in plan.municipalities]
    return _csv(["region", "municipality", "name", "share", "amount", "target"], rows)


def along_axes_csvs(plan: AllocationPlan) -> dict[str, str]:
    """The --out files of the parts the scenario asked for (none for a flat scenario)."""
    out = {}
    if plan.groups:
        out["programas.csv"] = groups_csv(plan)
    if plan.proposal_gaps:
        out["propuestas.csv"] = proposals_csv(plan)
    if plan.cofinancing:
        out["coparticipacion.csv"] = cofinancing_csv(plan)
    if plan.cofinancing_cells:
        out["coparticipacion_programas.csv"] = cofinancing_cells_csv(plan)
    if plan.calendar is not None:
        out["calendario.csv"] = calendar_csv(plan)
    if plan.pass_through:
        out["municipios.csv"] = municipalities_csv(plan)
    return out


_SHEETS = {
    "programas.csv": "Ejes y programas",
    "propuestas.csv": "Propuestas",
    "coparticipacion.csv": "Coparticipación",
    "coparticipacion_programas.csv": "Coparticipación por programa",
    "calendario.csv": "Calendario",
    "municipios.csv": "Municipios",
}


def along_axes_table(plan: AllocationPlan) -> str:
    """Terminal lines for the tree totals, co-financing, calendar and pass-through."""
    t = texts(plan.language)
    lines: list[str] = []
    if plan.groups:
        lines.append(t._("ejes and programas:"))
        lines += _tree_lines(plan, t)
    if plan.proposal_gaps:
        lines += programa_mix_lines(plan, t)
        states = len({g.region for g in plan.proposal_gaps})
        moved = sum(g.gap for g in plan.proposal_gaps if g.gap > 0)
        line = t._("proposals: {states} states adjusted, {moved} pesos moved")
        lines.append(line.format(states=states, moved=t.number(moved)))
    if plan.cofinancing and plan.cofinancing_rate is not None:
        codes = {r.code for r in plan.regions}
        own = sum(c.contribution for c in plan.cofinancing if c.key in codes)
        line = t._("co-financing ({rate}): {own}; total {total}")
        lines.append(
            line.format(
                rate=t.percent(plan.cofinancing_rate, decimals=0),
                own=t.number(own),
                total=t.number(plan.total + own),
            )
        )
    if plan.calendar is not None:
        cal = plan.calendar
        months = ", ".join(
            f"{m} {t.number(v)}" for m, v in zip(cal.months, cal.national, strict=True)
        )
        lines.append(t._("ministrations: {months}").format(months=months))
    if plan.pass_through:
        total = sum(p.amount for p in plan.pass_through)
        lines.append(t._("to municipalities: {amount}").format(amount=t.number(total)))
    return "\n".join(lines)


def _tree_lines(plan: AllocationPlan, t: Texts) -> list[str]:
    """The tree's inner nodes and its leaves above subprograma level (a programa without
    subprogramas is a leaf), depth-first, children in natural id order (P2 before P10)."""
    children: dict[str, list[AxisResult]] = {}
    for node in (*plan.groups, *plan.axes):
        children.setdefault(node.parent, []).append(node)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for node in sorted(children.get(parent, []), key=lambda n: (len(n.id), n.id)):
            if node.level == "subprograma":
                continue
            rules = ", ".join(t.rule(b) for b in node.binding)
            mark = f"  [{rules}]" if node.binding else ""
            lines.append(f"{'  ' * (1 + depth)}{node.id:<6} {t.number(node.amount):>16}{mark}")
            walk(node.id, depth + 1)

    walk("", 0)
    return lines


def programa_mix_lines(plan: AllocationPlan, t: Texts) -> list[str]:
    """Each state's programa mix: the share of its total in each programa (level ``programa``
    nodes, else the tree's top level), one line per state."""
    parent = {a.id: a.parent for a in (*plan.groups, *plan.axes)}
    level = {a.id: a.level for a in (*plan.groups, *plan.axes)}
    programas = [i for i in parent if level[i] == "programa"] or [
        i for i in parent if not parent[i]
    ]
    wanted = set(programas)

    def programa_of(leaf: str) -> str:
        node, seen = leaf, set()
        while node and node not in wanted and node not in seen:
            seen.add(node)
            node = parent.get(node, "")
        return node

    owner = {a.id: programa_of(a.id) for a in plan.axes}
    sums: dict[str, dict[str, int]] = {}
    for c in plan.cells:
        row = sums.setdefault(c.region, {})
        row[owner[c.axis]] = row.get(owner[c.axis], 0) + c.amount
    order = sorted(programas, key=lambda i: (len(i), i))
    lines = [t._("programa mix (% of the state's total):")]
    lines.append("  " + " ".join(f"{i:>6}" for i in ["", *order]))
    for r in plan.regions:
        row = sums.get(r.code, {})
        total = max(r.amount, 1)
        lines.append(
            "  " + f"{r.code:>6} " + " ".join(f"{100 * row.get(i, 0) / total:6.1f}" for i in order)
        )
    return lines
