"""Every user-facing string of the sweep, Spanish first, English beside it.

Kept in one place so that they can move into the message catalogue of the language layer
(``optimizer/i18n.py``) as they are; money and percentages already come from it, as the
glossary writes them: ``$9,941,162,915``, ``12.50 %`` (the same in both languages).
"""

from __future__ import annotations

from optimizer.domain import Language
from optimizer.i18n import texts as i18n_texts

ES: dict[str, str] = {
    "title": "Análisis de sensibilidad",
    "monte_carlo": "Monte Carlo",
    "one_at_a_time": "Uno a la vez",
    "grid": "Rejilla de ponderaciones",
    "samples": "muestras",
    "state": "Entidad",
    "code": "Clave",
    "baseline": "Asignación con las ponderaciones planteadas",
    "baseline_short": "Planteada",
    "p5": "P5",
    "p50": "P50",
    "p95": "P95",
    "p_floor": "Prob. en su piso",
    "p_cap": "Prob. en su techo",
    "rank": "Lugar",
    "rank_range": "Lugar P5-P95",
    "rank_stable": "Conserva su lugar",
    "factor": "Factor",
    "kind_weight": "ponderación",
    "kind_indicator": "indicador",
    "kind_band": "banda",
    "up": "Cambio al subir",
    "down": "Cambio al bajar",
    "elasticity": "Elasticidad",
    "point": "Punto",
    "amount": "Monto asignado",
    "change": "Cambio respecto de la planteada",
    "status": "Estado",
    "range": "Intervalo",
    "min": "Mínimo",
    "max": "Máximo",
    "legend": "Barra superior (naranja): el factor baja; barra inferior (azul): el factor sube.",
    "largest_factor": "Factor de mayor efecto",
    "swing": "Efecto máximo",
    "summary": (
        "{samples:,} muestras ({ok:,} con plan, {bad:,} sin plan; {fallback:,} calculadas con "
        "allocate())"
    ),
    "tornado": "Efecto de cada factor sobre el monto de la entidad (tornado)",
    "fan": (
        "Intervalo P5-P95 del monto por entidad, como cambio respecto de la asignación "
        "planteada (abanico); marca: P50, rombo: planteada"
    ),
    "heat": "Probabilidad de quedar en el piso o en el techo (mapa de calor)",
    "interrupted": (
        "interrumpido: se descartaron los resultados parciales ({done:,} de {total:,} "
        "muestras); no se escribió ningún archivo"
    ),
    "progress": "muestras",
    "seconds": "en {seconds:.1f} s",
    "band_lower": "límite inferior",
    "band_upper": "límite superior",
    "wrote": "escrito",
    "no_scheduler": "error: {message}; no se escribió ningún archivo",
    "note_samples": (
        "Cada muestra es un escenario completo: enteros en pesos que suman exactamente el fondo "
        "y cumplen cada regla (verificado)."
    ),
}

EN: dict[str, str] = {
    "title": "Sensitivity analysis",
    "monte_carlo": "Monte Carlo",
    "one_at_a_time": "One at a time",
    "grid": "Weight grid",
    "samples": "samples",
    "state": "State",
    "code": "Code",
    "baseline": "Allocation with the stated weights",
    "baseline_short": "Stated",
    "p5": "P5",
    "p50": "P50",
    "p95": "P95",
    "p_floor": "P(on floor)",
    "p_cap": "P(on cap)",
    "rank": "Rank",
    "rank_range": "Rank P5-P95",
    "rank_stable": "Keeps its rank",
    "factor": "Factor",
    "kind_weight": "weight",
    "kind_indicator": "indicator",
    "kind_band": "band",
    "up": "Change up",
    "down": "Change down",
    "elasticity": "Elasticity",
    "point": "Point",
    "amount": "Allocated amount",
    "change": "Change from stated",
    "status": "Status",
    "range": "Range",
    "min": "Minimum",
    "max": "Maximum",
    "legend": "Upper bar (orange): the factor goes down; lower bar (blue): the factor goes up.",
    "largest_factor": "Largest factor",
    "swing": "Largest effect",
    "summary": (
        "{samples:,} samples ({ok:,} with a plan, {bad:,} without; {fallback:,} computed by "
        "allocate())"
    ),
    "tornado": "Effect of each factor on the state's amount (tornado)",
    "fan": (
        "P5-P95 range of each state's amount as a change from the stated allocation (fan); "
        "mark: P50, diamond: stated"
    ),
    "heat": "Probability of sitting on the floor or on the cap (heat map)",
    "interrupted": (
        "interrupted: partial results discarded ({done:,} of {total:,} samples); no file "
        "was written"
    ),
    "progress": "samples",
    "seconds": "in {seconds:.1f} s",
    "band_lower": "lower limit",
    "band_upper": "upper limit",
    "wrote": "wrote",
    "no_scheduler": "error: {message}; no file was written",
    "note_samples": (
        "Each sample is a complete scenario: whole pesos that sum exactly to the fund and keep "
        "every rule (re-checked)."
    ),
}


def texts(language: Language) -> dict[str, str]:
    """The strings of one language."""
    return EN if language is Language.EN else ES


def money(amount: int) -> str:
    """``$9,941,162,915``; a negative change ``-$1,234`` (the language layer's format)."""
    return i18n_texts(Language.ES).money(amount)


def signed_money(amount: int) -> str:
    """``+$1,234`` or ``-$1,234`` (a change; no change is ``$0``)."""
    return i18n_texts(Language.ES).money(amount, sign=True)


def percent(share: float) -> str:
    """``12.50 %``."""
    return i18n_texts(Language.ES).percent(share)
