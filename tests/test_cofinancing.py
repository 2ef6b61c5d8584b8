"""Financiamiento conjunto per state and programa (the Anexo Técnico's side-by-side columns).

Every identity is checked against an independent integer computation: contribution =
ceil(rate x federal) per state; a state's contribution split over its cells by largest remainder
(ties to the earlier leaf id); a state's nodes of one level sum exactly to its contribution; a
node's states sum exactly to the node's national row; total = federal + contribution. On
fasp-2026-concertacion (CSV, workbook read back with openpyxl, HTML report) and on random
scenarios.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from optimizer.cofinancing import cofinancing, cofinancing_rows
from optimizer.domain import AllocateOptions, AllocationPlan, Axis, Language, Scenario
from optimizer.io import load_scenario
from optimizer.io.report import along_axes_html
from optimizer.io.results import along_axes_csvs
from optimizer.io.workbook import MONEY, write_xlsx
from optimizer.pipeline import allocate
from optimizer.service.server import AllocationServer, create_server
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.conftest import regions, scenario
from tests.service_support import small_scenario

ROOT = Path(__file__).resolve().parent.parent
CONCERTACION = ROOT / "scenarios/fasp-2026-concertacion"


def _ceil(amount: int, rate: Fraction) -> int:
    """ceil(rate x amount) in integers."""
    return -((-amount * rate.numerator) // rate.denominator)


def _split(row: list[int], own: int) -> list[int]:
    """own x cell / federal for each cell: floors, then one peso each to the largest remainders
    (ties to the earlier cell); written apart from the engine's helper."""
    federal = sum(row)
    if federal == 0:
        return [0] * len(row)
    floors = [v * own // federal for v in row]
    remainders = [v * own % federal for v in row]
    left = own - sum(floors)
    for i in sorted(range(len(row)), key=lambda i: (-remainders[i], i))[:left]:
        floors[i] += 1
    return floors


def _expected(
    rate: Fraction,
    codes: list[str],
    cells: list[list[int]],
    nodes: list[tuple[str, list[int]]],
) -> dict[tuple[str, str], tuple[int, int, int]]:
    out = {}
    for code, row in zip(codes, cells, strict=True):
        split = _split(row, _ceil(sum(row), rate))
        for node, leaves in nodes:
            federal = sum(row[a] for a in leaves)
            own = sum(split[a] for a in leaves)
            out[code, node] = (federal, own, federal + own)
    return out


# --------------------------------------------------------------------------------------------
# fasp-2026-concertacion
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def concertacion() -> tuple[Scenario, AllocationPlan]:
    scenario = load_scenario(CONCERTACION)
    return scenario, allocate(scenario, AllocateOptions(language=Language.ES))


def _tree(plan: AllocationPlan) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """Leaf ids in id order (ties go to the earlier id, whatever the file's order), each node's
    leaf ids, each node's level (from the plan, not the engine)."""
    leaves = sorted(a.id for a in plan.axes)
    parent = {n.id: n.parent for n in (*plan.groups, *plan.axes)}
    under: dict[str, list[str]] = {n.id: [] for n in (*plan.groups, *plan.axes)}
    for leaf in leaves:
        node: str = leaf
        while node:
            under[node].append(leaf)
            node = parent[node]
    levels = {n.id: n.level for n in (*plan.groups, *plan.axes)}
    return leaves, under, levels


def test_concertacion_state_by_programa_matches_an_independent_split(
    concertacion: tuple[Scenario, AllocationPlan],
) -> None:
    """Every (state, node) row equals the integer computation, and the identities hold at the
    eje, programa and leaf levels for every state and node."""
    _, plan = concertacion
    leaves, under, levels = _tree(plan)
    amount = {(c.region, c.axis): c.amount for c in plan.cells}
    codes = [r.code for r in plan.regions]
    cells = [[amount.get((code, a), 0) for a in leaves] for code in codes]
    index = {a: k for k, a in enumerate(leaves)}
    nodes = [(n, [index[a] for a in under[n]]) for n in under]
    expected = _expected(Fraction(1, 4), codes, cells, nodes)
    got = {(c.region, c.node): (c.federal, c.contribution, c.total) for c in plan.cofinancing_cells}
    assert got == expected
    assert len(plan.cofinancing_cells) == 32 * len(under)
    rows = {c.key: c for c in plan.cofinancing}
    for r in plan.regions:
        assert rows[r.code].contribution == _ceil(r.amount, Fraction(1, 4))
        for level in ("eje", "programa"):
            mine = [c for c in plan.cofinancing_cells if c.region == r.code]
            at = [c for c in mine if levels[c.node] == level]
            # Programas that are leaves (P3) count at both levels; ejes cover every leaf.
            if level == "eje":
                assert sum(c.contribution for c in at) == rows[r.code].contribution
                assert sum(c.federal for c in at) == r.amount
        leaf_rows = [c for c in plan.cofinancing_cells if c.region == r.code and c.node in index]
        assert sum(c.contribution for c in leaf_rows) == rows[r.code].contribution
    for node in under:
        column = [c for c in plan.cofinancing_cells if c.node == node]
        assert sum(c.contribution for c in column) == rows[node].contribution
        assert sum(c.federal for c in column) == rows[node].federal
        assert sum(c.total for c in column) == rows[node].total
    for c in plan.cofinancing_cells:
        assert c.total == c.federal + c.contribution


def test_concertacion_programas_of_a_state_sum_to_its_contribution(
    concertacion: tuple[Scenario, AllocationPlan],
) -> None:
    """The nine programas (P3 a leaf) partition the leaves: per state they sum exactly."""
    _, plan = concertacion
    programas = [n.id for n in (*plan.groups, *plan.axes) if n.level == "programa"]
    assert len(programas) == 9
    own = {c.key: c.contribution for c in plan.cofinancing}
    for r in plan.regions:
        mine = {c.node: c for c in plan.cofinancing_cells if c.region == r.code}
        assert sum(mine[p].contribution for p in programas) == own[r.code]
        assert sum(mine[p].total for p in programas) == r.amount + own[r.code]


def test_concertacion_csv_rows_are_the_plan_rows(
    concertacion: tuple[Scenario, AllocationPlan],
) -> None:
    """coparticipacion_programas.csv: stable machine columns, one row per (state, node)."""
    _, plan = concertacion
    text = along_axes_csvs(plan)["coparticipacion_programas.csv"]
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["region", "node", "level", "federal", "contribution", "total"]
    body = table[1:]
    assert [(r[0], r[1], int(r[3]), int(r[4]), int(r[5])) for r in body] == [
        (c.region, c.node, c.federal, c.contribution, c.total) for c in plan.cofinancing_cells
    ]
    assert {r[2] for r in body} == {"eje", "programa", "subprograma"}
    own = sum(c.contribution for c in plan.cofinancing if c.key in {r.code for r in plan.regions})
    assert sum(int(r[4]) for r in body if r[2] == "eje") == own


def test_concertacion_workbook_sheet_read_back(
    concertacion: tuple[Scenario, AllocationPlan], tmp_path: Path
) -> None:
    """The Coparticipación por programa sheet: codes as text, pesos as $#,##0, Spanish headers,
    and under the states one TOTAL row per node equal to the sum of its states."""
    scenario, plan = concertacion
    write_xlsx(plan, tmp_path / "plan.xlsx", scenario)
    book = load_workbook(tmp_path / "plan.xlsx")
    sheet = book["Coparticipación por programa"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "clave",
        "eje o programa",
        "nivel",
        "aportación federal (FASP)",
        "aportación estatal",
        "Total",
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    states = [r for r in rows if r[0] != "TOTAL"]
    totals = {r[1]: r for r in rows if r[0] == "TOTAL"}
    assert len(states) == len(plan.cofinancing_cells)
    assert all(isinstance(r[0], str) and len(r[0]) == 2 for r in states)  # "01", not 1
    assert sheet["A2"].value == "01"
    assert sheet["D2"].number_format == MONEY
    assert sheet["E2"].number_format == MONEY
    assert sheet["F2"].number_format == MONEY
    national = {c.key: c for c in plan.cofinancing}
    assert set(totals) == {c.node for c in plan.cofinancing_cells}
    for node, row in totals.items():
        column = [r for r in states if r[1] == node]
        for k in (3, 4, 5):
            assert row[k] == sum(int(str(r[k])) for r in column)
        assert (row[3], row[4], row[5]) == (
            national[node].federal,
            national[node].contribution,
            national[node].total,
        )
    eje_total = sum(int(str(r[4])) for r in totals.values() if r[2] == "eje")
    assert eje_total == sum(national[r.code].contribution for r in plan.regions)


def test_concertacion_report_table(concertacion: tuple[Scenario, AllocationPlan]) -> None:
    """The report's co-financing section has the state x programa table, in Spanish, with each
    state's total and the national row."""
    _, plan = concertacion
    html = along_axes_html(plan)
    assert "Aportación estatal por programa" in html
    assert "restos mayores" in html
    section = html.split("Aportación estatal por programa", 1)[1].split("</table>", 1)[0]
    own = {c.key: c.contribution for c in plan.cofinancing}
    grand = sum(own[r.code] for r in plan.regions)
    assert f'<th class="n">{grand:,}</th></tr>' in section
    assert f'<td class="n">{own["09"]:,}</td></tr>' in section
    assert section.count("<tr><td>") == 32


# --------------------------------------------------------------------------------------------
# Random scenarios
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 10),
    st.sampled_from(["0.25", "0.3", "0.333", "0.5", "0.07", "1"]),
    st.integers(0, 2**32),
)
def test_random_tables_keep_every_identity(
    states: int, leaves: int, rate_text: str, seed: int
) -> None:
    """Random cells (zeros included), rates and trees: cells equal the independent split, and
    the four identities hold exactly."""
    rng = random.Random(seed)
    codes = [f"{k + 1:02d}" for k in range(states)]
    cells = [
        [rng.choice([0, rng.randint(0, 10**9), rng.randint(0, 999) * 1000]) for _ in range(leaves)]
        for _ in codes
    ]
    parents = rng.randint(1, leaves)
    owner = [rng.randrange(parents) for _ in range(leaves)]
    nodes = [(f"G{g}", [a for a in range(leaves) if owner[a] == g]) for g in range(parents)]
    nodes = [n for n in nodes if n[1]]
    nodes += [(f"L{a}", [a]) for a in range(leaves)]
    rate = Fraction(rate_text)
    rows, got = cofinancing(float(rate_text), codes, cells, nodes)
    assert rows == cofinancing_rows(float(rate_text), codes, cells, nodes)
    expected = _expected(rate, codes, cells, nodes)
    assert {(c.region, c.node): (c.federal, c.contribution, c.total) for c in got} == expected
    assert [(c.region, c.node) for c in got] == [(s, n) for s in codes for n, _ in nodes]
    by_key = {r.key: r for r in rows}
    for code, row in zip(codes, cells, strict=True):
        own = _ceil(sum(row), rate)
        assert by_key[code].contribution == own
        for prefix in ("G", "L"):
            level = [c for c in got if c.region == code and c.node.startswith(prefix)]
            assert sum(c.contribution for c in level) == own
            assert sum(c.federal for c in level) == sum(row)
    for node, _ in nodes:
        column = [c for c in got if c.node == node]
        assert sum(c.contribution for c in column) == by_key[node].contribution
        assert sum(c.federal for c in column) == by_key[node].federal
    assert all(c.total == c.federal + c.contribution for c in got)


@pytest.mark.parametrize("seed", [3, 17])
def test_random_tree_scenario_through_the_pipeline(seed: int) -> None:
    """A solved random scenario with two ejes and a configured rate: the plan's rows equal the
    independent computation from its own cells."""
    rng = random.Random(seed)
    axes = (
        Axis("A1", "A uno", parent="E1", level="subprograma"),
        Axis("A2", "A dos", parent="E1", level="subprograma"),
        Axis("B1", "B uno", parent="E2", level="programa"),
    )
    groups = (
        Axis("E1", "Eje 1", level="eje", target_share=0.6),
        Axis("E2", "Eje 2", level="eje", target_share=0.4),
    )
    rate = rng.choice(["0.25", "0.3", "0.4"])
    base = scenario(
        regions([rng.randint(100, 5000) for _ in range(5)]),
        fund=rng.randint(10**6, 10**9),
        axes=axes,
    )
    s = replace(base, axis_groups=groups, cofinancing_rate=float(rate))
    plan = allocate(s, AllocateOptions())
    leaves = ["A1", "A2", "B1"]
    amount = {(c.region, c.axis): c.amount for c in plan.cells}
    codes = [r.code for r in plan.regions]
    cells = [[amount.get((code, a), 0) for a in leaves] for code in codes]
    nodes = [("E1", [0, 1]), ("A1", [0]), ("A2", [1]), ("E2", [2]), ("B1", [2])]
    expected = _expected(Fraction(rate), codes, cells, nodes)
    got = {(c.region, c.node): (c.federal, c.contribution, c.total) for c in plan.cofinancing_cells}
    assert got == expected
    national = {c.key: c for c in plan.cofinancing}
    for node, _ in nodes:
        assert sum(got[code, node][1] for code in codes) == national[node].contribution


# --------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pb_grpc.AllocationServiceStub]:
    """A real server (one worker process, SQLite store) and a plaintext client."""
    db = tmp_path_factory.mktemp("store") / "audit.sqlite3"
    server: AllocationServer
    server, port = create_server("127.0.0.1:0", store=f"sqlite:///{db}", workers=1)
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pb_grpc.AllocationServiceStub(channel)
    server.stop(0)


def _files(folder: Path) -> pb.ScenarioFiles:
    files = [
        pb.ScenarioFile(name=p.relative_to(folder).as_posix(), content=p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    ]
    return pb.ScenarioFiles(files=files, main="scenario.yaml")


def _old_allocation() -> type[Message]:
    """The Allocation message as a client built before field 60 sees it: the same descriptors
    without CofinancingCell and without Allocation.cofinancing_cells, in a pool of their own."""
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(file: FileDescriptor) -> None:
        if file.name in added:
            return
        for dependency in file.dependencies:
            add(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(proto)
        if file.name == pb.DESCRIPTOR.name:
            kept = [m for m in proto.message_type if m.name != "CofinancingCell"]
            del proto.message_type[:]
            proto.message_type.extend(kept)
            for message in proto.message_type:
                if message.name == "Allocation":
                    fields = [f for f in message.field if f.number != 60]
                    del message.field[:]
                    message.field.extend(fields)
        pool.Add(proto)
        added.add(file.name)

    add(pb.DESCRIPTOR)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("optimizer.v1.Allocation"))


def test_service_fills_the_new_field_and_old_clients_read_the_rest(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """fasp-2026-concertacion through the real server: cofinancing_cells (field 60) equals the
    independent split and sums to the per-state and per-node rows; the stored run gives it back;
    a client without field 60 parses the same bytes and sees every other field unchanged."""
    plan = stub.Allocate(pb.AllocateRequest(files=_files(CONCERTACION)), timeout=120).allocation
    assert plan.status == pb.RUN_STATUS_OPTIMAL
    rows = {c.key: c for c in plan.cofinancing}
    codes = sorted({c.region for c in plan.cells})
    leaves = sorted({c.axis for c in plan.cells})
    amount = {(c.region, c.axis): c.amount for c in plan.cells}
    cells = [[amount.get((code, a), 0) for a in leaves] for code in codes]
    parent = {n.id: n.parent for n in plan.groups}
    parent.update({n.id: n.parent for n in plan.axes})
    under: dict[str, list[int]] = {}
    for k, leaf in enumerate(leaves):
        node = leaf
        while node:
            under.setdefault(node, []).append(k)
            node = parent[node]
    expected = _expected(Fraction(1, 4), codes, cells, list(under.items()))
    got = {(c.region, c.node): (c.federal, c.contribution, c.total) for c in plan.cofinancing_cells}
    assert got == expected
    for code in codes:
        ejes = [c for c in plan.cofinancing_cells if c.region == code and not parent[c.node]]
        assert sum(c.contribution for c in ejes) == rows[code].contribution
    for node in under:
        column = [c for c in plan.cofinancing_cells if c.node == node]
        assert sum(c.contribution for c in column) == rows[node].contribution
    stored = stub.GetAllocation(pb.GetAllocationRequest(run_id=plan.run_id), timeout=10).allocation
    assert list(stored.cofinancing_cells) == list(plan.cofinancing_cells)

    old = _old_allocation().FromString(plan.SerializeToString())
    assert "cofinancing_cells" not in {f.name for f in old.DESCRIPTOR.fields}
    without = pb.Allocation()
    without.CopyFrom(plan)
    without.ClearField("cofinancing_cells")
    assert json_format.MessageToDict(old) == json_format.MessageToDict(without)


def test_service_flat_scenario_has_no_cells(stub: pb_grpc.AllocationServiceStub) -> None:
    """An old client's flat scenario without co-financing gets no rows at all."""
    plan = stub.Allocate(pb.AllocateRequest(scenario=small_scenario()), timeout=60).allocation
    assert plan.status == pb.RUN_STATUS_OPTIMAL
    assert not plan.cofinancing_cells
