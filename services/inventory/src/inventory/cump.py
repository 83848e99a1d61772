"""The weighted average unit cost (CUMP, coût unitaire moyen pondéré): pure Decimal
arithmetic, no I/O.

An `entree` of `quantite` units at `prix` values the stock on hand at the current CUMP and
the new units at their price: CUMP' = (stock * CUMP + quantite * prix) / (stock + quantite).
Exits, adjustments and transfers leave the CUMP unchanged. Stored at 10 decimal places;
rounded to the centime at display only (`centimes`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PRECISION = Decimal("0.0000000001")
CENTIME = Decimal("0.01")


def apres_entree(stock: int, cump: Decimal, quantite: int, prix: Decimal) -> Decimal:
    """The CUMP after an entry of `quantite` units at `prix` into `stock` units at `cump`."""
    if quantite <= 0:
        raise ValueError("an entry brings a positive quantity")
    if stock < 0:
        raise ValueError("stock cannot be negative")
    if stock == 0:
        return prix.quantize(PRECISION, rounding=ROUND_HALF_UP)
    total = Decimal(stock) * cump + Decimal(quantite) * prix
    return (total / Decimal(stock + quantite)).quantize(PRECISION, rounding=ROUND_HALF_UP)


def centimes(value: Decimal) -> Decimal:
    """A price or amount as shown: rounded to the centime, half up."""
    return value.quantize(CENTIME, rounding=ROUND_HALF_UP)


def montant(quantite: int, prix: Decimal) -> Decimal:
    """The amount of `quantite` units at `prix`, to the centime."""
    return centimes(Decimal(quantite) * prix)
