"""Money arithmetic of invoices and credit notes (pure, `Decimal` only).

The rounding rule, applied the same way everywhere:

1. A line's `montant_ht` is `quantite x prix_unitaire` rounded half-up to the centime
   (0.005 -> 0.01). This is the only rounding of a line's HT.
2. The document's `montant_ht` is the sum of its lines' rounded HT (no further rounding).
3. The TVA is computed per rate: for each `taux_tva`, the sum of the HT of the lines at that
   rate times the rate, rounded half-up to the centime. The document's `montant_tva` is the
   sum of those per-rate amounts; `montant_ttc = montant_ht + montant_tva`.
4. A line's own `montant_tva` / `montant_ttc` (HT x rate rounded half-up, and HT + that) are
   informative; the totals never add rounded line TVAs (rule 3 decides).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENTIME = Decimal("0.01")


def centimes(value: Decimal) -> Decimal:
    """`value` rounded half-up to the centime."""
    return value.quantize(CENTIME, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    montant_ht: Decimal
    montant_tva: Decimal
    montant_ttc: Decimal


def line_amounts(quantite: Decimal, prix_unitaire: Decimal, taux_tva: Decimal) -> LineAmounts:
    ht = centimes(quantite * prix_unitaire)
    tva = centimes(ht * taux_tva)
    return LineAmounts(ht, tva, ht + tva)


@dataclass(frozen=True, slots=True)
class Totals:
    montant_ht: Decimal
    tva_par_taux: dict[Decimal, tuple[Decimal, Decimal]]  # taux -> (base HT, TVA)
    montant_tva: Decimal
    montant_ttc: Decimal


def totals(lines: Iterable[tuple[Decimal, Decimal]]) -> Totals:
    """Totals of a document from its lines' `(montant_ht, taux_tva)` (rules 2 and 3)."""
    bases: dict[Decimal, Decimal] = {}
    ht = Decimal("0.00")
    for montant_ht, taux in lines:
        ht += montant_ht
        key = taux.normalize()
        bases[key] = bases.get(key, Decimal("0.00")) + montant_ht
    par_taux = {taux: (base, centimes(base * taux)) for taux, base in sorted(bases.items())}
    tva = sum((v[1] for v in par_taux.values()), Decimal("0.00"))
    return Totals(ht, par_taux, tva, ht + tva)
