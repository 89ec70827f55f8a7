"""Filter taps of the orthogonal and biorthogonal wavelet families, computed from their definitions.

JAX-free NumPy in float64, evaluated once per name and cached. Conventions follow the standard
tables (Daubechies 1992; MATLAB's Wavelet Toolbox; PyWavelets, which the tests use as the oracle):
``rec_lo`` is the synthesis scaling filter with taps summing to sqrt(2), ``dec_lo`` the analysis
one, and the high-pass filters are the alternating-sign flips ``dec_hi[k] = (-1)**(k+1) rec_lo[k]``
and ``rec_hi[k] = (-1)**k dec_lo[k]``; for orthogonal wavelets ``dec_lo`` is ``rec_lo`` reversed.

* ``dbN`` (N = 1..20, ``haar`` = ``db1``) and ``symN`` (N = 2..20): spectral factorisation of the
  Daubechies polynomial (Daubechies, "Ten Lectures on Wavelets", 1992, sec. 6.1 and 8.1):
  ``|m0(w)|**2 = cos(w/2)**(2N) P(sin(w/2)**2)`` with ``P(y) = sum_{k<N} C(N-1+k, k) y**k``. Each
  root ``y_i`` of ``P`` gives the pair ``z, 1/z`` of ``(2 - z - 1/z)/4 = y_i``; ``dbN`` keeps the
  root inside the unit circle for every pair (minimum phase), ``symN`` keeps, pair by pair, the
  subset of the published least-asymmetric tables (recorded below as a bit string, one bit per real
  root or complex-conjugate pair of ``P``). The roots of ``P`` come from ``numpy.roots``; beyond
  N = 20 their error grows past 1e-12 (1.6e-12 at N = 20, 1.4e-9 at N = 30), so N is capped at 20.
* ``coifN`` (N = 1..4): the coiflets of Daubechies (1992, sec. 8.2, Table 8.1): 6N taps, ``2N``
  vanishing moments of the wavelet and ``2N - 1`` of the scaling function (moments about tap
  ``2N``). The table's leading taps (12 digits, normalised to sum 2; the first 13 for coif3 and
  coif4, as reproduced in the "Coiflet" article of Wikipedia) start a Gauss-Newton solve of those
  defining equations plus orthonormality, which polishes them to float64 and fills the rest.
  coif5 and beyond are not supported: the equations grow too ill-conditioned to fill missing taps.
* ``biorNr.Nd`` / ``rbioNr.Nd``: the spline biorthogonal family of Cohen, Daubechies & Feauveau
  (1992, sec. 6.A; Daubechies 1992, sec. 8.3.4) in closed form: the synthesis filter is the
  B-spline ``sqrt(2) 2**-Nr C(Nr, k)``, the analysis filter ``cos(w/2)**Nd sum_{k<l} C(l-1+k, k)
  sin(w/2)**(2k)`` with ``Nr + Nd = 2 l``. ``bior4.4``, ``bior5.5`` and ``bior6.8`` split the roots
  of ``P_l`` between the two filters (CDF 1992 Table 6.3; ``bior4.4`` is the "9/7" pair of
  JPEG 2000). ``rbio`` swaps the roles of analysis and synthesis. Both filters are stored centred in
  a common even length, as the standard tables align them.
"""

from __future__ import annotations

import dataclasses
import functools
from math import comb

import numpy as np

MAX_DB = 20
MAX_SYM = 20
MAX_COIF = 4

# Daubechies 1992 Table 8.1, leading taps of coifN (sum 2 normalisation).
_COIFLET_TABLE = {
    1: (-0.102859456942, 0.477859456942, 1.205718913884, 0.544281086116, -0.102859456942,
        -0.022140543057),
    2: (0.023175193479, -0.058640275960, -0.095279180620, 0.546042093070, 1.149364787715,
        0.589734387392, -0.108171214184, -0.084052960922, 0.033488820325, 0.007935767225,
        -0.002578406712, -0.001019010797),
    3: (-0.005364837341, 0.011006253418, 0.033167120958, -0.093015528958, -0.086441527120,
        0.573006670549, 1.122570513741, 0.605967143547, -0.101540281510, -0.116392501524,
        0.048868188642, 0.022458481925, -0.012739202022),
    4: (0.001261922093, -0.002304449705, -0.010389048053, 0.022724918488, 0.037734470756,
        -0.114928468858, -0.079305297034, 0.587334781789, 1.106252905125, 0.614314652395,
        -0.094225477729, -0.136076254102, 0.055627280306),
}

# symN root subsets of the published tables: bit i = 1 keeps the root outside the unit circle for
# the i-th real root / conjugate pair of P_N, taken in order of increasing real part of y.
_SYM_SUBSETS = {
    2: "0", 3: "0", 4: "01", 5: "10", 6: "101", 7: "100", 8: "0101", 9: "0110", 10: "10101",
    11: "01100", 12: "101010", 13: "001110", 14: "0011010", 15: "0011100", 16: "10011010",
    17: "01110001", 18: "101100101", 19: "001011100", 20: "1010011010",
}

# Spline-free members of the CDF family: (cos power of the synthesis filter, of the analysis
# filter, indices of the roots of P_l - sorted by increasing real part - given to the synthesis).
_CDF_SPLIT = {
    (4, 4): (4, 4, (0,)),
    (5, 5): (6, 4, (0, 1)),
    (6, 8): (6, 8, (2, 3)),
}
BIOR_ORDERS = (
    (1, 1), (1, 3), (1, 5), (2, 2), (2, 4), (2, 6), (2, 8), (3, 1), (3, 3), (3, 5), (3, 7), (3, 9),
    (4, 4), (5, 5), (6, 8),
)


@dataclasses.dataclass(frozen=True)
class Wavelet:
    """The four filters of a two-channel perfect-reconstruction filter bank, all of one length."""

    name: str
    dec_lo: np.ndarray
    dec_hi: np.ndarray
    rec_lo: np.ndarray
    rec_hi: np.ndarray
    orthogonal: bool

    @property
    def length(self) -> int:
        return len(self.dec_lo)


def _daubechies_poly_roots(n: int) -> np.ndarray:
    """Roots of ``P_n(y) = sum_{k<n} C(n-1+k, k) y**k``, sorted by real part, then imaginary."""
    if n == 1:
        return np.zeros(0, complex)
    coeffs = [comb(n - 1 + k, k) for k in range(n)]
    roots = np.roots(coeffs[::-1]).astype(complex)
    return roots[np.lexsort((roots.imag, np.round(roots.real, 12)))]


def _z_pair(y: complex) -> tuple[complex, complex]:
    """The roots ``(inside, outside)`` the unit circle of ``(2 - z - 1/z)/4 = y``."""
    b = 2 - 4 * y
    d = np.sqrt(b * b - 4 + 0j)
    z1, z2 = (b + d) / 2, (b - d) / 2
    return (z1, z2) if abs(z1) < 1 else (z2, z1)


def _root_groups(ys: np.ndarray) -> list[list[int]]:
    """Indices of ``ys`` grouped as real roots and complex-conjugate pairs, in order."""
    groups, used = [], set()
    for i, y in enumerate(ys):
        if i in used:
            continue
        if abs(y.imag) < 1e-9:
            groups.append([i])
            used.add(i)
            continue
        j = min((j for j in range(len(ys)) if j not in used and j != i),
                key=lambda j: abs(ys[j] - np.conj(y)))
        groups.append([i, j])
        used |= {i, j}
    return groups


def _binomial_lowpass(power: int) -> np.ndarray:
    """Taps of ``((1 + z) / 2) ** power``."""
    return np.array([comb(power, k) for k in range(power + 1)], float) / 2.0**power


def _normalise(h: np.ndarray) -> np.ndarray:
    h = np.real_if_close(h, tol=1e6).real
    return h * (np.sqrt(2.0) / h.sum())


def _orthogonal_lowpass(n: int, outside: str) -> np.ndarray:
    """Synthesis scaling filter of order ``n`` with the root subset ``outside`` (one bit/group)."""
    ys = _daubechies_poly_roots(n)
    h = _binomial_lowpass(n).astype(complex)
    for bit, group in zip(outside, _root_groups(ys), strict=True):
        for i in group:
            z = _z_pair(ys[i])[int(bit)]
            h = np.convolve(h, [1.0, -z])
    return _normalise(h)


def _y_factor(ys) -> np.ndarray:
    """Taps (symmetric, in z) of ``prod_i (1 - y / y_i)`` with ``y = (2 - z - 1/z) / 4``."""
    h = np.array([1.0 + 0j])
    for y in ys:
        h = np.convolve(h, np.array([1.0, -2.0, 1.0]) / (4 * y) + np.array([0, 1.0, 0]))
    return h


def _cdf_pair(nr: int, nd: int) -> tuple[np.ndarray, np.ndarray]:
    """(synthesis, analysis) low-pass taps of the CDF biorthogonal pair ``bior{nr}.{nd}``."""
    if (nr, nd) in _CDF_SPLIT:
        pr, pd, chosen = _CDF_SPLIT[(nr, nd)]
        ys = _daubechies_poly_roots((pr + pd) // 2)
        syn = np.convolve(_binomial_lowpass(pr), _y_factor(ys[list(chosen)]))
        ana = np.convolve(_binomial_lowpass(pd),
                          _y_factor([y for i, y in enumerate(ys) if i not in chosen]))
        return _normalise(syn), _normalise(ana)
    ell = (nr + nd) // 2
    # sum_{k<l} C(l-1+k, k) sin(w/2)**(2k), with sin(w/2)**2 = (2 - z - 1/z) / 4.
    poly = np.zeros(2 * ell - 1)
    term = np.array([1.0])
    for k in range(ell):
        poly[ell - 1 - k : ell + k] += comb(ell - 1 + k, k) * term
        term = np.convolve(term, [-0.25, 0.5, -0.25])
    return _normalise(_binomial_lowpass(nr)), _normalise(np.convolve(_binomial_lowpass(nd), poly))


def _coiflet(n: int) -> np.ndarray:
    """Synthesis scaling filter of coifN: the table's taps polished by Gauss-Newton.

    Equations (moments in a Legendre basis of ``(k - 2N) / 4N``, which spans the same
    polynomials as ``k**l`` but keeps the system well conditioned): ``sum_k p(k) h[k] = sqrt(2)
    p(2N)`` and ``sum_k (-1)**k p(k) h[k] = 0`` for every polynomial ``p`` of degree < 2N, and
    ``sum_k h[k] h[k + 2m] = delta_m``.
    """
    length = 6 * n
    h = np.zeros(length)
    table = np.array(_COIFLET_TABLE[n]) / np.sqrt(2.0)
    h[: len(table)] = table
    t = (np.arange(length) - 2 * n) / (4 * n)
    vander = np.polynomial.legendre.legvander(t, 2 * n - 1)
    at_zero = np.polynomial.legendre.legvander(np.zeros(1), 2 * n - 1)[0]
    alt = vander * ((-1.0) ** np.arange(length))[:, None]
    for _ in range(100):
        lags = [np.dot(h[: length - 2 * m], h[2 * m :]) - (m == 0) for m in range(3 * n)]
        residual = np.concatenate([vander.T @ h - np.sqrt(2.0) * at_zero, alt.T @ h, lags])
        if np.abs(residual).max() < 1e-15:
            break
        rows = []
        for m in range(3 * n):
            g = np.zeros(length)
            g[: length - 2 * m] += h[2 * m :]
            g[2 * m :] += h[: length - 2 * m]
            rows.append(g)
        jac = np.concatenate([vander.T, alt.T, np.array(rows)])
        h = h - np.linalg.lstsq(jac, residual, rcond=None)[0]
    return h


def _centre(h: np.ndarray, length: int, centre: int) -> np.ndarray:
    """Places symmetric taps ``h`` in ``length`` zeros with its middle tap at ``centre``."""
    out = np.zeros(length)
    start = centre - (len(h) - 1) // 2
    out[start : start + len(h)] = h
    return out


def _biorthogonal(nr: int, nd: int) -> tuple[np.ndarray, np.ndarray]:
    """(dec_lo, rec_lo) of ``bior{nr}.{nd}`` in the common even length of the standard tables."""
    syn, ana = _cdf_pair(nr, nd)
    longest = max(len(syn), len(ana))
    if longest % 2 == 0:  # even-length (odd Nr) pairs share the half-sample centre
        return _centre(ana, longest, longest // 2 - 1), _centre(syn, longest, longest // 2 - 1)
    length = longest + 1
    return _centre(ana, length, length // 2), _centre(syn, length, length // 2 - 1)


def _from_lowpass(name: str, dec_lo: np.ndarray, rec_lo: np.ndarray, orthogonal: bool) -> Wavelet:
    sign = (-1.0) ** np.arange(len(dec_lo))
    return Wavelet(name, dec_lo, -sign * rec_lo, rec_lo, sign * dec_lo, orthogonal)


def _orders() -> dict[str, str]:
    """Every supported name and a one-line description of its family, for messages."""
    names = {"haar": "haar"}
    names.update({f"db{n}": "db" for n in range(1, MAX_DB + 1)})
    names.update({f"sym{n}": "sym" for n in range(2, MAX_SYM + 1)})
    names.update({f"coif{n}": "coif" for n in range(1, MAX_COIF + 1)})
    names.update({f"bior{a}.{b}": "bior" for a, b in BIOR_ORDERS})
    names.update({f"rbio{a}.{b}": "rbio" for a, b in BIOR_ORDERS})
    return names


WAVELET_NAMES: tuple[str, ...] = tuple(_orders())


@functools.cache
def get_wavelet(name: str) -> Wavelet:
    """The filter bank of a supported (lower-case, validated) wavelet name."""
    if name == "haar" or name.startswith("db"):
        n = 1 if name == "haar" else int(name[2:])
        rec = _orthogonal_lowpass(n, "0" * (len(_root_groups(_daubechies_poly_roots(n)))))
        return _from_lowpass(name, rec[::-1].copy(), rec, True)
    if name.startswith("coif"):
        rec = _coiflet(int(name[4:]))
        return _from_lowpass(name, rec[::-1].copy(), rec, True)
    if name.startswith("sym"):
        rec = _orthogonal_lowpass(int(name[3:]), _SYM_SUBSETS[int(name[3:])])
        return _from_lowpass(name, rec[::-1].copy(), rec, True)
    nr, nd = (int(v) for v in name[4:].split("."))
    dec, rec = _biorthogonal(nr, nd)
    if name.startswith("rbio"):
        dec, rec = rec[::-1].copy(), dec[::-1].copy()
    return _from_lowpass(name, dec, rec, (nr, nd) == (1, 1))
