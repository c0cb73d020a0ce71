"""The protocol section's lists of an API v2 study (conditions, sponsors, sites, arms, ...)
as canonical child frames, one row per element, numbered per record."""

from __future__ import annotations

import polars as pl

from transforms.canonical import CHILD_FIELDS, child_schema
from transforms.ctgov_json_schema import ARMS, IDENTIFICATION, LOCATIONS, PROTOCOL, REFERENCES, SPONSORS
from transforms.struct_paths import at as _at
from transforms.struct_paths import clean as _clean
from transforms.struct_paths import clean_list as _clean_list
from transforms.struct_paths import joined as _joined
from transforms.struct_paths import ordinal_in_runs


def _items(studies: pl.DataFrame, items: pl.Expr, group: int = 0) -> pl.DataFrame:
    """One row per element of a list column: record_seq, the element as `item`, its position
    `_pos` and a `_group` that orders several lists feeding one child table. Null and empty
    lists yield no row, a null element yields a row (the old record kept it as all-null)."""
    return (
        studies.select(
            "record_seq",
            items.alias("item"),
            pl.int_ranges(0, items.list.len()).alias("_pos"),
        )
        .explode("item", "_pos", keep_nulls=False)  # see `results_json.explode_items`
        .with_columns(pl.lit(group).alias("_group"))
    )


def _fields(
    studies: pl.DataFrame,
    items: pl.Expr,
    columns: tuple[tuple[str, str], ...],
    group: int = 0,
    lists: tuple[tuple[str, str], ...] = (),
) -> pl.DataFrame:
    """`_items` with each (target, source) field of the element cleaned into a column, and
    each (target, source) list field joined into one."""
    item = pl.col("item").struct
    return _items(studies, items, group).with_columns(
        *[_clean(item.field(source)).alias(target) for target, source in columns],
        *[_joined(item.field(source)).alias(target) for target, source in lists],
    )


def _child(kind: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Stack the parts of one child table in record order and number the rows per record."""
    keys = CHILD_FIELDS[kind]
    schema = {"record_seq": pl.Int64, "_group": pl.Int32, "_pos": pl.Int64, **child_schema(kind)}
    frames = [
        p.select([(pl.col(c) if c in p.columns else pl.lit(None)).cast(t).alias(c) for c, t in schema.items()])
        for p in parts
    ]
    stacked = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema)
    return (
        stacked.sort("record_seq", "_group", "_pos", maintain_order=True)
        .with_columns(ordinal_in_runs("record_seq").alias("ordinal"))
        .select("record_seq", "ordinal", *keys)
    )


def _texts_child(studies: pl.DataFrame, kind: str, column: str, path: tuple[str, ...]) -> pl.DataFrame:
    items = _items(studies, _clean_list(_at(*path)))
    return _child(kind, [items.rename({"item": column})])


def _mesh_terms(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for group, (kind, module) in enumerate(
        (("CONDITION", "conditionBrowseModule"), ("INTERVENTION", "interventionBrowseModule"))
    ):
        items = _fields(studies, _at("derivedSection", module, "meshes"), (("mesh_id", "id"), ("term", "term")), group)
        parts.append(items.with_columns(pl.lit(kind).alias("mesh_kind")).filter(pl.col("term").is_not_null()))
    return _child("mesh_terms", parts)


def _interventions(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("intervention_type_raw", "type"), ("name", "name"), ("description", "description"))
    items = _fields(studies, _at(*ARMS, "interventions"), columns, lists=(("other_names", "otherNames"),))
    items = items.with_columns(_clean_list(pl.col("item").struct.field("otherNames")).alias("other_name_list"))
    return _child("interventions", [items])


def _sponsors(studies: pl.DataFrame) -> pl.DataFrame:
    lead = studies.select(
        "record_seq",
        pl.lit(0).alias("_group"),
        pl.lit(0).alias("_pos"),
        pl.lit("LEAD").alias("role"),
        _clean(_at(*SPONSORS, "leadSponsor", "name")).alias("name"),
        _clean(_at(*SPONSORS, "leadSponsor", "class")).alias("agency_class_raw"),
    )
    collaborators = _fields(
        studies, _at(*SPONSORS, "collaborators"), (("name", "name"), ("agency_class_raw", "class")), group=1
    ).with_columns(
        pl.lit("COLLABORATOR").alias("role"),
    )
    return _child("sponsors", [p.filter(pl.col("name").is_not_null()) for p in (lead, collaborators)])


def _sites(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (
        ("facility", "facility"),
        ("city", "city"),
        ("state", "state"),
        ("zip", "zip"),
        ("country", "country"),
        ("site_status_raw", "status"),
    )
    sites = _fields(studies, _at(*LOCATIONS, "locations"), columns)
    geo = pl.col("item").struct.field("geoPoint")
    sites = sites.with_columns(
        _clean(geo.struct.field("lat")).alias("latitude_raw"), _clean(geo.struct.field("lon")).alias("longitude_raw")
    )
    return _child("sites", [sites])


def _arms(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("label", "label"), ("arm_type_raw", "type"), ("description", "description"))
    items = _fields(studies, _at(*ARMS, "armGroups"), columns, lists=(("intervention_names", "interventionNames"),))
    items = items.with_columns(
        _clean_list(pl.col("item").struct.field("interventionNames")).alias("intervention_name_list")
    )
    return _child("arms", [items])


def _outcomes(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("measure", "measure"), ("time_frame", "timeFrame"), ("description", "description"))
    parts = [
        _fields(studies, _at(*PROTOCOL, "outcomesModule", key), columns, group).with_columns(
            pl.lit(kind).alias("outcome_kind")
        )
        for group, (kind, key) in enumerate(
            (("PRIMARY", "primaryOutcomes"), ("SECONDARY", "secondaryOutcomes"), ("OTHER", "otherOutcomes"))
        )
    ]
    return _child("outcomes", parts)


def _secondary_ids(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("secondary_id", "id"), ("id_type_raw", "type"), ("domain", "domain"), ("link", "link"))
    return _child("secondary_ids", [_fields(studies, _at(*IDENTIFICATION, "secondaryIdInfos"), columns)])


def _officials(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("name", "name"), ("role_raw", "role"), ("affiliation", "affiliation"))
    return _child("officials", [_fields(studies, _at(*LOCATIONS, "overallOfficials"), columns)])


def _contact_fields() -> list[pl.Expr]:
    item = pl.col("item").struct
    return [
        _clean(item.field(name)).alias(target)
        for target, name in (
            ("name", "name"),
            ("role_raw", "role"),
            ("phone", "phone"),
            ("email", "email"),
            ("phone_ext", "phoneExt"),
        )
    ]


def _contacts(studies: pl.DataFrame) -> pl.DataFrame:
    central = _items(studies, _at(*LOCATIONS, "centralContacts"), 0).with_columns(
        pl.lit("CENTRAL").alias("contact_scope"),
        *_contact_fields(),
        pl.lit(None, pl.String).alias("facility"),
    )
    sites = _items(studies, _at(*LOCATIONS, "locations")).select(
        "record_seq",
        pl.col("_pos").alias("_site"),
        _clean(pl.col("item").struct.field("facility")).alias("facility"),
        pl.col("item").struct.field("contacts").alias("site_contacts"),
    )
    return _child("contacts", [central, _site_contacts(sites)])


def _site_contacts(sites: pl.DataFrame) -> pl.DataFrame:
    """Contacts listed under each site, ordered by site then by contact."""
    rows = sites.select(
        "record_seq",
        "_site",
        "facility",
        pl.col("site_contacts").alias("item"),
        pl.int_ranges(0, pl.col("site_contacts").list.len()).alias("_contact"),
    ).explode("item", "_contact", keep_nulls=False)
    # One sortable position across sites: sites hold far fewer than 2**20 contacts.
    return rows.with_columns(
        pl.lit(1).alias("_group"),
        (pl.col("_site").cast(pl.Int64) * (1 << 20) + pl.col("_contact")).alias("_pos"),
        pl.lit("FACILITY").alias("contact_scope"),
        *_contact_fields(),
    )


def _references(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("reference_type_raw", "type"), ("pmid", "pmid"), ("citation", "citation"))
    return _child("references", [_fields(studies, _at(*REFERENCES, "references"), columns)])


def _links(studies: pl.DataFrame) -> pl.DataFrame:
    return _child("links", [_fields(studies, _at(*REFERENCES, "seeAlsoLinks"), (("url", "url"), ("label", "label")))])


def _available_ipds(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("document_id", "id"), ("document_type", "type"), ("url", "url"), ("comment", "comment"))
    return _child("available_ipds", [_fields(studies, _at(*REFERENCES, "availIpds"), columns)])


def _large_documents(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (
        ("type_abbrev", "typeAbbrev"),
        ("label", "label"),
        ("has_protocol_raw", "hasProtocol"),
        ("has_sap_raw", "hasSap"),
        ("has_icf_raw", "hasIcf"),
        ("document_date_raw", "date"),
        ("upload_date", "uploadDate"),
        ("filename", "filename"),
        ("size_raw", "size"),
    )
    docs = _fields(studies, _at("documentSection", "largeDocumentModule", "largeDocs"), columns)
    return _child("large_documents", [docs])


def _mesh_browse(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    entries = (
        ("ANCESTOR", "ancestors", (("entry_id", "id"), ("term", "term"))),
        (
            "LEAF",
            "browseLeaves",
            (("entry_id", "id"), ("term", "name"), ("as_found", "asFound"), ("relevance_raw", "relevance")),
        ),
        ("BRANCH", "browseBranches", (("abbrev", "abbrev"), ("term", "name"))),
    )
    group = 0
    for kind, module in (("CONDITION", "conditionBrowseModule"), ("INTERVENTION", "interventionBrowseModule")):
        for entry_kind, name, columns in entries:
            items = _fields(studies, _at("derivedSection", module, name), columns, group)
            parts.append(items.with_columns(pl.lit(kind).alias("mesh_kind"), pl.lit(entry_kind).alias("entry_kind")))
            group += 1
    return _child("mesh_browse", parts)


CHILD_BUILDERS = {
    "conditions": lambda s: _texts_child(s, "conditions", "name", (*PROTOCOL, "conditionsModule", "conditions")),
    "keywords": lambda s: _texts_child(s, "keywords", "keyword", (*PROTOCOL, "conditionsModule", "keywords")),
    "mesh_terms": _mesh_terms,
    "interventions": _interventions,
    "sponsors": _sponsors,
    "sites": _sites,
    "arms": _arms,
    "outcomes": _outcomes,
    "secondary_ids": _secondary_ids,
    "officials": _officials,
    "contacts": _contacts,
    "references": _references,
    "links": _links,
    "mesh_browse": _mesh_browse,
    "large_documents": _large_documents,
    "available_ipds": _available_ipds,
}
