"""The one entry point: ``allocate(scenario, options) -> AllocationPlan``."""

from __future__ import annotations

from optimizer.domain import AllocateOptions, AllocationPlan, Scenario


def allocate(scenario: Scenario, options: AllocateOptions | None = None) -> AllocationPlan:
    """Allocate the fund of ``scenario``.

    Raises
    ------
    ScenarioError
        The scenario fails its checks (every problem listed).
    InfeasibleError
        The rules cannot hold together; carries the diagnosis in pesos.
    SolverError
        The solver failed or its plan failed our own re-check.
    """
    raise NotImplementedError("the engine is being written")
