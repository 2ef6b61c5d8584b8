"""Helpers for the service tests: inline scenarios, a fault-injecting solve, a server script.

``faulty_solve`` runs in the worker processes, so it lives in an importable module (pickled by
reference). A scenario name selects a fault: ``sleep-<seconds>-...`` solves after a pause,
``spin-<seconds>-...`` keeps a CPU busy that long first, ``alloc-<MiB>-...`` fills that
much memory first, ``exit-hard`` ends the worker
process, ``raise-internal`` / ``raise-solver`` / ``raise-deadline`` raise; any other name solves normally.
"""

from __future__ import annotations

import os
import sys
import time

from optimizer.domain import AllocateOptions, AllocationPlan, Scenario
from optimizer.errors import DeadlineExceededError, SolverError
from optimizer.v1 import allocation_pb2 as pb

FUND = 1_000_000_000
PREVIOUS = {"01": 300_000_000, "02": 300_000_000, "03": 350_000_000}
POPULATION = {"01": 1_500_000, "02": 2_500_000, "03": 6_000_000}
HOMICIDES = {"01": 10.0, "02": 25.0, "03": 40.0}


def small_scenario(
    name: str = "tri",
    *,
    fund: int = FUND,
    fiscal_year: int = 2026,
    floor: int | None = None,
    band_upper: float = 0.10,
) -> pb.Scenario:
    """Three regions, two criteria, two axes, bands [0 %, +band_upper] on previous amounts."""
    scenario = pb.Scenario(
        name=name,
        fund=pb.Fund(name="FASP", fiscal_year=fiscal_year, total=fund),
        base_weight=0.2,
        criteria=[
            pb.Criterion(indicator="population", weight=0.5, label_es="Población"),
            pb.Criterion(
                indicator="homicides", weight=0.3, direction=pb.DIRECTION_HIGHER_NEEDS_MORE
            ),
        ],
        axes=[
            pb.Axis(id="A", name_es="Equipamiento", share_min=0.4, share_max=0.7, target_share=0.6),
            pb.Axis(
                id="B", name_es="Profesionalización", share_min=0.3, share_max=0.6, target_share=0.4
            ),
        ],
        rules=pb.Rules(band=pb.Band(lower=0.0, upper=band_upper)),
    )
    for code, name_ in (
        ("01", "Aguascalientes"),
        ("02", "Baja California"),
        ("03", "Baja California Sur"),
    ):
        scenario.regions.append(
            pb.Region(
                code=code,
                name=name_,
                previous=PREVIOUS[code],
                population=POPULATION[code],
                indicators={"population": float(POPULATION[code]), "homicides": HOMICIDES[code]},
            )
        )
    if floor is not None:
        scenario.rules.region_floors.append(pb.RegionBound(region="*", amount=floor))
    return scenario


def faulty_solve(scenario: Scenario, options: AllocateOptions) -> AllocationPlan:
    """``allocate()`` with the fault named by the scenario (see the module docstring)."""
    from optimizer.pipeline import allocate

    if scenario.name.startswith("sleep-"):
        time.sleep(float(scenario.name.split("-")[1]))
    elif scenario.name.startswith("spin-"):
        end = time.monotonic() + float(scenario.name.split("-")[1])
        while time.monotonic() < end:
            pass
    elif scenario.name.startswith("alloc-"):
        filled = bytearray(int(scenario.name.split("-")[1]) * 1024 * 1024)
        del filled
    elif scenario.name == "exit-hard":  # the worker process dies, as when the kernel kills it
        os._exit(3)
    elif scenario.name == "raise-internal":
        message = "boom: secret internal detail"
        raise RuntimeError(message)
    elif scenario.name == "raise-solver":
        message = "solver broke: secret detail"
        raise SolverError(message)
    elif scenario.name == "raise-deadline":
        message = "time limit reached"
        raise DeadlineExceededError(message)
    return allocate(scenario, options)


_BALLAST: list[bytearray] = []


def hold_300_mib() -> None:
    """A worker initializer that keeps 300 MiB of data, as a BLAS reserving buffers per core."""
    _BALLAST.append(bytearray(300 * 1024 * 1024))


def fill(mib: int) -> int:
    """Allocate ``mib`` MiB in a worker; its length (the bytes themselves stay there)."""
    return len(bytearray(mib * 1024 * 1024))


def slow_start() -> None:
    """A worker initializer that takes half a second, as importing the engine does."""
    time.sleep(0.5)


def exit_at_start() -> None:
    """A worker initializer that ends its process, as a broken installation would."""
    os._exit(5)


def main(argv: list[str]) -> int:
    """Serve with ``faulty_solve``: ``python -m tests.service_support STORE GRACE [WORKERS]``."""
    import logging

    from optimizer.service.server import serve

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)

    def ready(port: int) -> None:
        sys.stdout.write(f"PORT {port}\n")
        sys.stdout.flush()

    return serve(
        "127.0.0.1:0",
        grace=float(argv[1]),
        ready=ready,
        store=argv[0],
        workers=int(argv[2]) if len(argv) > 2 else 2,
        solve=faulty_solve,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
