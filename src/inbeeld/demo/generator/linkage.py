"""Demo linkage keys: which sources registered each demo victim, for the dark number.

Every demo case is an *observed* victim: at least one of six sources registered it. The sources
and the keyed pseudonyms (``cases.models.LinkageKey``) are drawn here; the victims whom no source
saw are simulated too, but never written, so a test knows the true size of the population that
multiple-systems estimation (``analysis.dark_number``) tries to recover.

Two steps, like the signals:

- ``plan_demo_linkage(data)``: no database. Deterministic in the seed, from a random stream of its
  own (``PCG64([seed, STREAM_LINKAGE, part])``), so none of the cases' draws change.
- ``write_demo_linkage(plan)``: bulk insert (SQLite ``executemany`` / PostgreSQL ``COPY``, through
  the case writer's helpers) in one transaction, after the cases. No audit rows: the demo load has
  its one DEMO_LOADED row.

The capture model. For a victim with characteristics ``x`` the probability of the capture pattern
``h`` (``h_j = 1`` when source ``j`` registered the victim) over the six sources is log-linear::

    log P(h | x) = c(x) + sum_j a_j h_j + sum_(i,j) b_ij h_i h_j
                   + h_kmar (1.5 [EU or non-EU] + 3.0 [unit KMar])
                   + h_nla (2.2 [labour exploitation] + 3.0 [unit NLA])

with the main effects ``MAIN_EFFECTS`` (log-odds of a Dutch victim, not in labour exploitation,
when no other source registered them) and the two-way interactions ``INTERACTIONS``:

- police:om +3.0: the Public Prosecution Service almost only sees victims through the police
  (strong positive dependence);
- comensha:care +0.8: care and shelter organisations report their clients to CoMensha;
- kmar:om +1.0: KMar's own investigations go to the prosecutor as well;
- police:nla -1.5: the Labour Inspectorate investigates labour exploitation itself, so its
  victims seldom also appear in a police registration (negative dependence).

Among the observed victims (all demo cases) this gives roughly: CoMensha 62 %, police 43 %, care
17 %, OM 16 %, NLA 7 %, KMar 5 %; about 60 % of the victims are on one source, 30 % on two and
the rest on three or more; for every observed victim there are about 0.6 that nobody saw (a
population some 1.6 times the observed number).

Why multiple-systems estimation can recover the truth here: the characteristics act only on the
KMar and NLA main effects, so summing over them gives a function of ``(h_kmar, h_nla)`` alone,
which is a main effect each plus a kmar:nla interaction (a positive *apparent* dependence from
heterogeneity). The population table is therefore exactly a log-linear model with two-way
interactions, the model family of ``stats.mse``; its identifying assumption (no three-way
interaction) holds by construction. Real data give no such guarantee.

The hidden victims. The demo cases are fixed (drawn by the case generator), so the population is
simulated by inverse sampling per stratum of characteristics (nationality EU/non-EU or not,
labour or not, unit KMar / NLA / other): victims of the stratum occur one after another and each
is seen with probability ``1 - P(0 | x)`` until the stratum's observed victims are all there. The
observed ones get a pattern from ``P(h | h != 0, x)``; the number of unseen ones is negative
binomial, ``NB(n_x, 1 - P(0 | x))``. The true population is the observed victims plus these.

Victims with two cases. About ``TWO_CASE_SHARE`` (3 %) of the victims have two demo cases (the
later one, by intake date, a revictimisation), paired at random within the same nationality group
and gender where possible; both cases carry the victim's one key on each of the victim's sources
(the organisations that know her know both episodes). The victim's characteristics are those of
the first case. (Spreading the sources over the two cases would be just as plausible, but a
researcher who sees only one of the two cases, the other lacking consent, would then see part of
the victim's pattern: at a million cases that shifts the estimate by a few tenths of a percent,
more than the interval's half-width, and the demo is meant to have a known truth.)

Keys. Victim ``p`` (0, 1, ... in the order of their first case) has the key
``inbeeld.crypto.linkage_key(f"demo-victim-{seed}-{p}")`` on every source and every case: the
same victim on several sources is linked, and no identifier is stored. The identifier type
follows the source (``IDENTIFIER_TYPES``). Loading the same seed twice gives the same keys: the
second load's cases belong to the same synthetic victims (with the same sources), so the dark
number does not change; another seed gives other victims.

Research consent. Researchers see only consented cases, and consent was drawn per case,
independently of the sources (``CONSENT_SHARE``). A researcher sees a victim when at least one of
their cases is consented: with probability ``c`` for a victim with one case and ``1 - (1 - c)^2``
with two, in both cases whatever the sources. The researcher's table is therefore a thinned copy
of the full one (the same log-linear model), and its truth, the consented population, is the
observed victims with a consented case plus the hidden victims who would have been visible: each
hidden victim is drawn visible with the observed victims' average probability
``(1 - s) c + s (1 - (1 - c)^2)``, ``s`` the share of victims with two cases (the hidden victims
are assumed to have two cases as often as the observed ones). Thinning with ``c`` alone would
understate the truth by about 0.2 % (at a million cases, half the interval's half-width).

Speed (1,000,000 cases, 1.49 million keys, this machine): about 6.5 s on SQLite and 9 s on
PostgreSQL in all, of which planning takes 1 s (mostly the HMACs) and most of the rest the index on
the 64-character keys. From ``REINDEX_ROWS`` rows on, the table's plain indexes are dropped and
rebuilt after the insert (with sort threads on SQLite, a larger ``maintenance_work_mem`` on
PostgreSQL), which halves the insert.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field, replace

import numpy as np
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from inbeeld.cases.models import Case, LinkageKey
from inbeeld.demo.generator.data import DemoData

# PCG64([seed, STREAM_LINKAGE, part]); the main stream and 4-9 are taken (cases, consent, pilot,
# signals).
STREAM_LINKAGE = 10
PART_PAIRS = 0  # which victims have two cases
PART_PATTERNS = 1  # capture patterns and hidden victims, per stratum
PART_CONSENT = 2  # counterfactual consent of the hidden victims

Source = LinkageKey.Source
IdType = LinkageKey.IdentifierType
SOURCES: tuple[str, ...] = tuple(
    str(s.value)
    for s in (Source.POLICE, Source.KMAR, Source.NLA, Source.COMENSHA, Source.CARE, Source.OM)
)
IDENTIFIER_TYPES: dict[str, str] = {
    Source.POLICE: IdType.POLICE_REGISTRATION,
    Source.KMAR: IdType.V_NUMBER,
    Source.NLA: IdType.OTHER,
    Source.COMENSHA: IdType.COMENSHA_DOSSIER,
    Source.CARE: IdType.CLIENT_NUMBER,
    Source.OM: IdType.OTHER,
}
# Log-linear main effects: the log-odds of being on the source for a Dutch victim, not in labour
# exploitation, registered by no other source (guesses, tuned to the shares in the docstring).
MAIN_EFFECTS: dict[str, float] = {
    Source.POLICE: -1.35,
    Source.KMAR: -5.0,
    Source.NLA: -4.6,
    Source.COMENSHA: -0.55,
    Source.CARE: -2.5,
    Source.OM: -3.8,
}
INTERACTIONS: dict[tuple[str, str], float] = {
    (Source.POLICE, Source.OM): 3.0,
    (Source.COMENSHA, Source.CARE): 0.8,
    (Source.KMAR, Source.OM): 1.0,
    (Source.POLICE, Source.NLA): -1.5,
}
KMAR_FOREIGN = 1.5  # EU or non-EU nationality
KMAR_UNIT = 3.0  # the case is registered at the KMar unit
NLA_LABOUR = 2.2  # labour exploitation (either form of the case)
NLA_UNIT = 3.0  # the case is registered at the NLA unit

# From this many rows on, the table's plain indexes are dropped before the load and rebuilt after
# it (one sort each instead of a random B-tree insert per row: the HMAC keys arrive in random
# order). In the same transaction, so a failure leaves them as they were.
REINDEX_ROWS = 100_000
SORT_THREADS = 4  # SQLite: helper threads for the index sorts
PG_SORT_MEMORY = "512MB"  # PostgreSQL: the index sorts stay in memory (this transaction only)

TWO_CASE_SHARE = 0.03  # victims with two demo cases


def _stream(seed: int, part: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([seed, STREAM_LINKAGE, part]))


def pattern_matrix(k: int = len(SOURCES)) -> np.ndarray:
    """All 2^k capture patterns (row ``c`` is the binary code ``c``, source ``j`` = bit ``j``)."""
    codes = np.arange(2**k, dtype=np.int64)
    return ((codes[:, None] >> np.arange(k)) & 1).astype(np.int8)


def pattern_probabilities(kmar_shift: float = 0.0, nla_shift: float = 0.0) -> np.ndarray:
    """P(h | x) over the 2^6 patterns (index = binary code; index 0 = on no source), for a
    stratum whose KMar and NLA main effects are shifted by the given amounts."""
    patterns = pattern_matrix().astype(float)
    index = {source: j for j, source in enumerate(SOURCES)}
    main = np.array([MAIN_EFFECTS[s] for s in SOURCES])
    main[index[Source.KMAR]] += kmar_shift
    main[index[Source.NLA]] += nla_shift
    log_weight = patterns @ main
    for (a, b), value in INTERACTIONS.items():
        log_weight += value * patterns[:, index[a]] * patterns[:, index[b]]
    weight = np.exp(log_weight - log_weight.max())
    return weight / weight.sum()


@dataclass(frozen=True)
class LinkagePlan:
    """The demo's linkage keys as arrays (positions index the cases of ``DemoData``), and the
    simulated truth."""

    seed: int
    sources: tuple[str, ...]
    case_victim: np.ndarray  # per case: its victim's position
    case_sources: np.ndarray  # (cases, sources) bool: which sources registered the case
    victim_pattern: np.ndarray  # (victims, sources) bool: the union over the victim's cases
    keys: list[str] = field(repr=False)  # per victim: the HMAC linkage key (64 hex)
    hidden: int  # victims whom no source registered (simulated, not written)
    case_consent: np.ndarray = field(repr=False)  # per case (copied from the demo data)
    hidden_consented: int = 0  # of the hidden victims, those who would have consented

    @property
    def cases(self) -> int:
        return len(self.case_victim)

    @property
    def victims(self) -> int:
        """Observed victims (with at least one case)."""
        return len(self.victim_pattern)

    @property
    def true_population(self) -> int:
        """The true number of victims: observed plus hidden."""
        return self.victims + self.hidden

    @property
    def consented_victims(self) -> int:
        """Observed victims with at least one consented case (what a researcher sees)."""
        seen = np.zeros(self.victims, dtype=bool)
        seen[self.case_victim[self.case_consent]] = True
        return int(seen.sum())

    @property
    def true_consented_population(self) -> int:
        """The truth for a researcher's estimate: consented observed victims plus the hidden
        victims who would have consented (see the module docstring)."""
        return self.consented_victims + self.hidden_consented

    @property
    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(case position, source index) of every LinkageKey row, in case order."""
        return np.nonzero(self.case_sources)

    @property
    def key_count(self) -> int:
        return int(self.case_sources.sum())


@dataclass(frozen=True)
class LinkageSummary:
    """What ``write_demo_linkage`` wrote, with the simulated truth for tests."""

    keys: int  # LinkageKey rows
    cases: int
    victims: int  # observed victims (distinct keys)
    hidden: int
    true_population: int
    consented_victims: int
    true_consented_population: int
    per_source: dict[str, int]  # victims per source
    seconds: float = 0.0


def demo_keys(seed: int, count: int) -> list[str]:
    """``inbeeld.crypto.linkage_key(f"demo-victim-{seed}-{p}")`` for p in 0..count-1, computed
    from one prepared HMAC (a copy per key: the same digest, a third of the time)."""
    base = hmac.new(settings.INBEELD_LINKAGE_KEY.encode("utf-8"), digestmod=hashlib.sha256)
    prefix = f"demo-victim-{seed}-".strip().upper()
    keys = []
    for position in range(count):
        mac = base.copy()
        mac.update(f"{prefix}{position}".encode())
        keys.append(mac.hexdigest())
    return keys


def _characteristics(data: DemoData) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    v = data.vocabulary
    n = data.case_count
    foreign = np.isin(
        data.nationality, [v.nationalities.index("eu"), v.nationalities.index("non_eu")]
    )
    labour = np.zeros(n, dtype=bool)
    labour[data.form_case[data.form == v.forms.index("labour")]] = True
    unit_kmar = data.unit == v.units.index("kmar") if "kmar" in v.units else np.zeros(n, bool)
    unit_nla = data.unit == v.units.index("nla") if "nla" in v.units else np.zeros(n, bool)
    return foreign, labour, unit_kmar, unit_nla


def _pair_cases(data: DemoData, rng: np.random.Generator) -> np.ndarray:
    """Per case, its victim's first case (itself for most): ``TWO_CASE_SHARE`` of the victims get
    a second case, paired within nationality group and gender where possible."""
    n = data.case_count
    owner = np.arange(n, dtype=np.int64)
    pairs = int(round(TWO_CASE_SHARE * n / (1.0 + TWO_CASE_SHARE)))
    if pairs == 0:
        return owner
    chosen = rng.choice(n, size=2 * pairs, replace=False)
    order = np.lexsort((rng.random(2 * pairs), data.gender[chosen], data.nationality[chosen]))
    couples = chosen[order].reshape(pairs, 2)
    # The earlier intake (then the lower position) is the first case.
    a, b = couples[:, 0], couples[:, 1]
    swap = (data.intake_day[a] > data.intake_day[b]) | (
        (data.intake_day[a] == data.intake_day[b]) & (a > b)
    )
    first = np.where(swap, b, a)
    second = np.where(swap, a, b)
    owner[second] = first
    return owner


def plan_demo_linkage(data: DemoData) -> LinkagePlan:
    """Draw which sources registered every demo case's victim, and the victims nobody saw."""
    from inbeeld.demo.generator import CONSENT_SHARE

    seed = data.config.seed
    n = data.case_count
    owner = _pair_cases(data, _stream(seed, PART_PAIRS))
    first_cases, case_victim = np.unique(owner, return_inverse=True)
    victims = len(first_cases)

    foreign, labour, unit_kmar, unit_nla = _characteristics(data)
    # Stratum of each victim (by its first case): bits foreign, labour, unit KMar, unit NLA.
    stratum = (
        foreign[first_cases].astype(np.int64)
        | labour[first_cases].astype(np.int64) << 1
        | unit_kmar[first_cases].astype(np.int64) << 2
        | unit_nla[first_cases].astype(np.int64) << 3
    )
    rng = _stream(seed, PART_PATTERNS)
    code = np.zeros(victims, dtype=np.int64)
    hidden = 0
    for value in range(16):  # a fixed order, so the draws do not depend on which strata exist
        members = np.flatnonzero(stratum == value)
        if len(members) == 0:
            continue
        p = pattern_probabilities(
            KMAR_FOREIGN * bool(value & 1) + KMAR_UNIT * bool(value & 4),
            NLA_LABOUR * bool(value & 2) + NLA_UNIT * bool(value & 8),
        )
        seen = p[1:] / p[1:].sum()
        cumulative = np.cumsum(seen)
        cumulative[-1] = 1.0
        code[members] = 1 + np.searchsorted(cumulative, rng.random(len(members)), side="right")
        hidden += int(rng.negative_binomial(len(members), 1.0 - p[0]))
    victim_pattern = pattern_matrix()[code].astype(bool)

    # Both cases of a two-case victim carry all of the victim's sources.
    case_sources = victim_pattern[case_victim]

    consent = np.asarray(data.consent, dtype=bool)
    if len(consent) != n:
        consent = np.zeros(n, dtype=bool)
    two_cases = float(np.mean(np.bincount(case_victim, minlength=victims) == 2)) if victims else 0.0
    visible = (1.0 - two_cases) * CONSENT_SHARE + two_cases * (1.0 - (1.0 - CONSENT_SHARE) ** 2)
    hidden_consented = int(_stream(seed, PART_CONSENT).binomial(hidden, visible))
    return LinkagePlan(
        seed=seed,
        sources=SOURCES,
        case_victim=case_victim.astype(np.int64),
        case_sources=case_sources,
        victim_pattern=victim_pattern,
        keys=demo_keys(seed, victims),
        hidden=hidden,
        case_consent=consent,
        hidden_consented=hidden_consented,
    )


def _case_ids(data: DemoData) -> np.ndarray:
    """The database ids of the demo cases, in case order. The case writer numbers them
    consecutively in that order; checked on the first and last code, else looked up by code."""
    from inbeeld.demo.generator.bulk import CHUNK_ROWS

    codes = data.codes
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ends = dict(Case.objects.filter(code__in={codes[0], codes[-1]}).values_list("code", "id"))
    first, last = ends.get(codes[0]), ends.get(codes[-1])
    if first is not None and last is not None and last - first == n - 1:
        return first + np.arange(n, dtype=np.int64)
    ids: dict[str, int] = {}
    for start in range(0, n, CHUNK_ROWS):
        chunk = codes[start : start + CHUNK_ROWS]
        ids.update(Case.objects.filter(code__in=chunk).values_list("code", "id"))
    missing = [c for c in codes if c not in ids]
    if missing:
        raise ValueError(f"{len(missing)} demo case(s) are not in the database, e.g. {missing[0]}")
    return np.array([ids[c] for c in codes], dtype=np.int64)


def _drop_indexes(connection, table: str) -> list[str]:
    """Drop the plain indexes of ``table`` (not those behind a primary key or a unique
    constraint) and return the statements that create them again."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL ORDER BY name",
                [table],
            )
        else:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname",
                [qn(table)],
            )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    return [sql for _, sql in indexes]


def _create_indexes(connection, statements: list[str]) -> None:
    if connection.vendor == "postgresql":
        # Run the deferred foreign-key checks of the insert now (when the keys were not dropped):
        # a table with pending trigger events cannot be indexed.
        connection.check_constraints()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA threads")
            threads = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA threads = {SORT_THREADS}")  # helper threads for the sorts
        else:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_SORT_MEMORY}'")
        try:
            for sql in statements:
                cursor.execute(sql)
        finally:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA threads = {int(threads)}")


def write_demo_linkage(data: DemoData, plan: LinkagePlan) -> LinkageSummary:
    """Insert the plan's LinkageKey rows (one per case and source) in one transaction; the cases
    of ``data`` must be in the database already."""
    from inbeeld.demo.generator import bulk, writer

    start = time.perf_counter()
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    backend = bulk.Backend(connection)
    case_pos, source_index = plan.rows
    count = len(case_pos)
    table = LinkageKey._meta.db_table
    pragmas = bulk.sqlite_load_pragmas(connection, count)
    try:
        with transaction.atomic():
            bulk.lock_tables(connection, [table])
            case_ids = _case_ids(data)
            recheck = connection.vendor == "postgresql" and count >= writer.PG_FK_RECHECK_ROWS
            dropped = bulk.drop_foreign_keys(connection, [table]) if recheck else []
            reindex = _drop_indexes(connection, table) if count >= REINDEX_ROWS else []
            if count:
                first_day = int(data.intake_day.min())
                _, noons = backend.day_strings(first_day, int(data.intake_day.max()))
                sources = np.array(plan.sources, dtype=object)
                types = np.array([str(IDENTIFIER_TYPES[s]) for s in plan.sources], dtype=object)
                keys = np.array(plan.keys, dtype=object)
                backend.insert(
                    LinkageKey,
                    bulk.model_columns(
                        LinkageKey,
                        connection,
                        {
                            "id": bulk.next_id(connection, LinkageKey)
                            + np.arange(count, dtype=np.int64),
                            "case": case_ids[case_pos],
                            "source": sources[source_index],
                            "identifier_type": types[source_index],
                            "key": keys[plan.case_victim[case_pos]],
                            "created_at": noons[data.intake_day[case_pos] - first_day],
                            "created_by": bulk.Const(None),
                        },
                    ),
                    count,
                )
            if reindex:
                _create_indexes(connection, reindex)
            if dropped:
                bulk.restore_foreign_keys(connection, dropped)
            if connection.vendor == "postgresql":
                bulk.reset_sequences(connection, [LinkageKey])
    finally:
        bulk.restore_pragmas(connection, pragmas)
    return LinkageSummary(
        keys=count,
        cases=plan.cases,
        victims=plan.victims,
        hidden=plan.hidden,
        true_population=plan.true_population,
        consented_victims=plan.consented_victims,
        true_consented_population=plan.true_consented_population,
        per_source={s: int(plan.victim_pattern[:, j].sum()) for j, s in enumerate(plan.sources)},
        seconds=time.perf_counter() - start,
    )


def generate_demo_linkage(data: DemoData) -> LinkageSummary:
    """Plan and write the linkage keys of the freshly written cases of ``data`` (``seconds``:
    both steps)."""
    start = time.perf_counter()
    summary = write_demo_linkage(data, plan_demo_linkage(data))
    return replace(summary, seconds=time.perf_counter() - start)


__all__ = [
    "IDENTIFIER_TYPES",
    "INTERACTIONS",
    "MAIN_EFFECTS",
    "SOURCES",
    "LinkagePlan",
    "LinkageSummary",
    "demo_keys",
    "generate_demo_linkage",
    "pattern_probabilities",
    "plan_demo_linkage",
    "write_demo_linkage",
]
