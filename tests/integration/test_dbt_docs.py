"""Every mart and every mart column is described (the data dictionary's promise).

Read from the manifest `dbt parse` writes, so descriptions coming from doc blocks
(`models/marts/_marts__docs.md`) count only once they render to text, and contract columns
(those with a `data_type`) are checked like any other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "dbt_project"
# Words that carry no meaning alone: a description must say more than the column's name.
MIN_LENGTH = 8


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`dbt parse` of the real project into a private target directory."""
    work = tmp_path_factory.mktemp("dbt_parse")
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [
            str(dbt),
            "parse",
            "--no-send-anonymous-usage-stats",
            "--quiet",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        check=True,
        cwd=ROOT,
        env={**os.environ, "SITOO_WH_DATA_DIR": str(work)},
        timeout=300,
    )
    data: dict[str, Any] = json.loads((work / "target" / "manifest.json").read_text("utf-8"))
    return data


def marts(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "marts" in node["fqn"]
    ]


def test_every_mart_and_mart_column_has_a_description(manifest: dict[str, Any]) -> None:
    models = marts(manifest)
    assert len(models) >= 20, "the marts were not found in the manifest"
    missing = [n["name"] for n in models if len(n["description"].strip()) < MIN_LENGTH]
    for node in models:
        assert node["columns"], f"{node['name']} documents no columns"
        missing += [
            f"{node['name']}.{name}"
            for name, column in node["columns"].items()
            if len(column["description"].strip()) < MIN_LENGTH
        ]
    assert missing == [], f"marts or columns without a description: {missing}"


def test_contracts_declare_every_column_with_a_type(manifest: dict[str, Any]) -> None:
    """A contract makes dbt check the yml columns against the SQL, so the described columns
    are exactly the published ones."""
    for node in marts(manifest):
        assert node["config"]["contract"]["enforced"], node["name"]
        untyped = [n for n, c in node["columns"].items() if not c.get("data_type")]
        assert untyped == [], (node["name"], untyped)


def test_doc_blocks_render_into_the_descriptions(manifest: dict[str, Any]) -> None:
    """Shared texts come from doc blocks; none is left as an unrendered reference."""
    texts = [
        column["description"] for node in marts(manifest) for column in node["columns"].values()
    ]
    assert not [t for t in texts if "doc(" in t]
    sales = manifest["nodes"]["model.sitoo_wh.fct_sales_daily"]["columns"]
    assert "currency_code" in sales["net_sales"]["description"]
    assert manifest["docs"]["doc.sitoo_wh.business_date"]["block_contents"].strip()
