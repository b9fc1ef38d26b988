"""Assemble and compile the handbooks: select each edition's policies, convert every body once into a
build folder shared by all editions, write one data file per edition, compile the static template with
the `typst` package, write each PDF atomically."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import typst

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.errors import PolicybookError
from policybook.evidence.git import short_revision
from policybook.evidence.inforce import in_force
from policybook.handbook.convert import BodyConverter, PolicyContentError, label_for
from policybook.handbook.editions import STAFF_HANDBOOK, for_all_staff, for_role
from policybook.model import Policy
from policybook.registers import ALL_STAFF
from policybook.typefaces import FALLBACK_FAMILIES, font_folders, missing_glyph
from policybook.views.addresses import site_urls as addresses
from policybook.views.control import Links, Output, document_control, listing
from policybook.views.text import web

HERE = Path(__file__).parent
TEMPLATE = HERE / "template.typ"
HELPERS = HERE / "pb.typ"
FONTS = HERE / "fonts"
BODY_PRELUDE = '#import "/pb.typ": pb-link\n'  # what a converted body may call (see the Lua filter)


@dataclass(frozen=True)
class Edition:
    date: dt.date
    revision: str

    @property
    def text(self) -> str:
        return f"{long_date(self.date)}, revision {self.revision}"


def git_revision(root: Path) -> str:
    return short_revision(root) or "not under version control"


def select(corpus: Corpus, audience: str | None) -> list[Policy]:
    """Policies in force for ``audience`` (a role id), or for all staff when None, in id order."""
    if audience is not None and not corpus.registers.role_exists(audience):
        raise PolicybookError(f"--role: '{audience}' is not a role in the roles register")
    chosen = [p for p in in_force(corpus) if for_all_staff(p) or (audience is not None and audience in p.audience)]
    return sorted(chosen, key=lambda p: p.id or "")


def select_role(corpus: Corpus, role: str) -> list[Policy]:
    """A role's edition: the approved policies addressed to ``role`` and not to all staff, in id order."""
    if role == ALL_STAFF or not corpus.registers.role_exists(role):
        raise PolicybookError(f"--role: '{role}' is not a role in the roles register")
    return sorted((p for p in in_force(corpus) if for_role(p, role)), key=lambda p: p.id or "")


def _policy_data(corpus: Corpus, policy: Policy, body_file: str, links: Links,
                 urgent_file: str = "") -> dict[str, object]:
    """What the template shows of one policy, the same for every edition: its document control as
    printed (views/control.py), its label for cross-references, its converted body and its urgent section
    (printed first, when the policy marks one)."""
    return {**asdict(document_control(corpus, policy, Output.PRINT, links)), "label": label_for(policy.id or ""),
            "body": body_file, "urgent": urgent_file}


@dataclass(frozen=True)
class Variant:
    """One PDF to write: where, in which print, and whether it is a role's edition (see editions.py)
    rather than the handbook for the call's audience."""

    out: Path
    large_print: bool = False
    role: str | None = None


def build_handbook(corpus: Corpus, out: Path, *, large_print: bool = False, audience: str | None = None,
                   edition: Edition | None = None, site_urls: dict[str, str] | None = None) -> Path:
    """Write one handbook PDF to ``out`` and return it."""
    return build_handbooks(corpus, [Variant(out, large_print)], audience=audience, edition=edition,
                           site_urls=site_urls)[0]


def build_handbooks(corpus: Corpus, variants: list[Variant], *, audience: str | None = None,
                    edition: Edition | None = None, site_urls: dict[str, str] | None = None) -> list[Path]:
    """Write several editions (standard and large print, the staff handbook and roles' editions),
    converting each body once for all of them and typesetting the editions side by side."""
    if site_urls is None:
        site_urls = addresses(corpus)
    chosen = [(variant, select_role(corpus, variant.role) if variant.role else select(corpus, audience))
              for variant in variants]
    for variant, policies in chosen:
        if not policies:
            whom = f"the {corpus.role_title(variant.role)} alone" if variant.role else _audience(corpus, audience)
            raise PolicybookError(f"no approved policy is addressed to {whom}: nothing to put in a handbook")
    union = {p.id: p for _, policies in chosen for p in policies if p.id}
    ordered = sorted(union.values(), key=lambda p: p.id or "")
    edition = edition or Edition(corpus.today, git_revision(corpus.root))
    with tempfile.TemporaryDirectory(prefix="policybook-handbook-") as tmp:
        build = Path(tmp)
        (build / "bodies").mkdir()
        converter = BodyConverter(build, set(union), site_urls, root=corpus.root,
                                  policies_dir=corpus.config.policies_path, by_id=corpus.by_id(),
                                  site_url=corpus.config.site_url)
        workers = min(4, os.cpu_count() or 1)
        size = -(-len(ordered) // workers)  # one pandoc process for each share of the bodies
        with ThreadPoolExecutor(max_workers=workers) as pool:
            shares = pool.map(converter.convert_all, [ordered[i:i + size] for i in range(0, len(ordered), size)])
            bodies = [body for share in shares for body in share]
        links = Links(pages=site_urls, named={p.id: p for p in in_force(corpus) if p.id})
        entries: dict[str, dict[str, object]] = {}
        for index, (policy, body) in enumerate(zip(ordered, bodies, strict=True)):
            body_file, urgent_file = f"bodies/{index:04d}.typ", f"bodies/{index:04d}-urgent.typ"
            urgent, rest = converter.urgent_apart(body)
            (build / body_file).write_text(BODY_PRELUDE + rest, encoding="utf-8")
            if urgent:
                (build / urgent_file).write_text(BODY_PRELUDE + urgent, encoding="utf-8")
            entries[policy.id or ""] = _policy_data(corpus, policy, body_file, links, urgent_file if urgent else "")
        (build / "xrefs.json").write_text(json.dumps(converter.xrefs, ensure_ascii=False), encoding="utf-8")
        shutil.copyfile(TEMPLATE, build / "handbook.typ")
        shutil.copyfile(HELPERS, build / "pb.typ")
        staff = [asdict(listing(corpus, p)) for p in select(corpus, None)] if any(v.role for v in variants) else []
        Job = tuple[str, dict[str, object], list[Policy]]
        jobs: list[Job] = []
        for number, (variant, policies) in enumerate(chosen):
            data = _edition_data(corpus, variant.role, audience, edition, variant.large_print)
            data["policies"] = [entries[p.id or ""] for p in policies]
            data["also"] = staff if variant.role else []
            jobs.append((f"data-{number}.json", data, policies))

        def typeset(job: Job) -> bytes:
            return _typeset(build, *job, edition)

        # Typst releases the GIL while it typesets: the editions are typeset side by side.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pdfs = list(pool.map(typeset, jobs))
        return [_write_atomically(variant.out, pdf) for (variant, _), pdf in zip(chosen, pdfs, strict=True)]


def _edition_data(corpus: Corpus, role: str | None, audience: str | None, edition: Edition,
                  large_print: bool) -> dict[str, object]:
    """What the template shows of an edition as a whole (its policies are added by the caller)."""
    whom = role or audience
    site = corpus.config.site_url.rstrip("/")
    return {
        "organisation": corpus.config.name,
        "title": f"{corpus.role_title(role)} handbook" if role else "Staff handbook",
        "audience": _audience(corpus, whom),
        "running": f"{corpus.role_title(role)} handbook" if role else f"Staff handbook: {_audience(corpus, audience)}",
        "scope": _scope(corpus, role, audience),
        "edition": edition.text,
        "edition_date": long_date(edition.date),
        "site_url": corpus.config.site_url,
        "staff_handbook_url": web(f"{site}/handbook/{STAFF_HANDBOOK}" if site else ""),
        "large": large_print,
        "fallback_fonts": list(FALLBACK_FAMILIES),
    }


def _typeset(build: Path, name: str, data: dict[str, object], policies: list[Policy], edition: Edition) -> bytes:
    compiler = typst.Compiler(root=str(build), font_paths=font_folders(FONTS), ignore_system_fonts=True)
    try:
        return _compile(compiler, build, name, data, edition)
    except Exception as exc:  # the typst binding raises its own error types
        raise _explain(str(exc), compiler, build, name, data, policies, edition) from None


def _audience(corpus: Corpus, role: str | None) -> str:
    return "All staff" if role is None else corpus.role_title(role)


def _scope(corpus: Corpus, role: str | None, audience: str | None) -> str:
    """What the edition holds, in a sentence for its cover."""
    if role is not None:
        return (f"The approved policies addressed to the {corpus.role_title(role)}. Read them with the staff "
                "handbook, which holds every policy for all staff: its policies are listed after the contents.")
    if audience is not None:
        role_title = corpus.role_title(audience)
        return f"Every approved policy addressed to all staff, and every one addressed to the {role_title}."
    return "Every approved policy addressed to all staff."


def _compile(compiler: typst.Compiler, build: Path, name: str, data: dict[str, object], edition: Edition) -> bytes:
    (build / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pdf = compiler.compile(str(build / "handbook.typ"), sys_inputs={"pb-data": f"/{name}"},
                           pdf_standards=["ua-1"],
                           timestamp=int(dt.datetime.combine(edition.date, dt.time()).timestamp()))
    assert isinstance(pdf, bytes)  # one PDF, returned because no output path is given
    return pdf


def _write_atomically(out: Path, content: bytes) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, out)
    return out


def _explain(message: str, compiler: typst.Compiler, build: Path, name: str, data: dict[str, object],
             policies: list[Policy], edition: Edition) -> PolicybookError:
    """A typst error as the policy it arose from (each policy is typeset alone until one fails): the
    policy's content is at fault, not the command or the settings."""
    first = " ".join(message.split())[:300]
    entries = data["policies"]
    assert isinstance(entries, list)  # the policies' entries, as the edition's caller put them
    for policy, entry in zip(policies, entries, strict=True):
        try:
            _compile(compiler, build, f"alone-{name}", {**data, "policies": [entry]}, edition)
        except Exception as exc:
            detail = missing_glyph(str(exc)) or " ".join(str(exc).split())[:300]
            return PolicyContentError(policy.rel, f"the handbook could not be typeset from this policy: {detail}")
    return PolicybookError(f"the handbook could not be typeset: {missing_glyph(message) or first}")
