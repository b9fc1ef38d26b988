"""The rule cases shared by the rule tests and the architecture tests: a defect that makes each rule
fire at a known place (FIRES), and the near miss beside it that must stay quiet (QUIET)."""

from __future__ import annotations

from dataclasses import dataclass

RATING = "policies/governance/display-of-rating.md"  # referenced by no other policy
CANDOUR = "policies/governance/duty-of-candour.md"
STANDARDS = "registers/standards.yml"
CONFIG = "policybook.yml"
GUIDANCE = "registers/guidance.yml"
CHAPERONES = "policies/safeguarding/chaperones.md"
EMERGENCIES = "policies/health-safety/medical-emergencies.md"
RATING_SETTING = ('cqc_rating:\n  rating: Good\n  date: "2025-09-18"\n'
                  "  report_url: https://www.cqc.org.uk/location/1-000000002\n")
BODY_ANCHOR = "## When a new rating is published\n"
STAFF = "registers/staff.yml"
PL_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPfNr+rTfFrDTKgTAfXcXnQBnNjtqq/jO/LgNZi97dv"  # the example's, for pl
TE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP+9i00n5pc7Ymrh7By7LGUvUP3sqN/dWb4x2Yscq6OI"  # and for te
SPARE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKqMnvvwNOHArzAon3vNQfj+iYwltYt9AXAORTn/sToh"  # fictional, no one's
LEAFLET = "public/leaflets/what-to-expect.md"
LEAFLET_AR = "public/leaflets/what-to-expect.ar.md"
EASY_READ = "public/leaflets/what-to-expect.easy-read.md"
PRIVACY = "public/notices/privacy-notice.md"
CHAPERONE_NOTICE = "public/notices/chaperones.md"
COMPLAINTS_NOTICE = "public/notices/how-to-complain.md"
RADIATION = "public/leaflets/radiation-and-pregnancy.md"
HARD_WORDS = ("Densitometry quantifies skeletal mineralisation. Osteoporosis increases fracture susceptibility.\n\n"
              "Radiographers administer minimal ionising radiation. Contemporary densitometers utilise dual-energy "
              "absorptiometry.\n\nOsteoporotic vertebrae deteriorate progressively.\n\n")
SHORT_ITEMS = "".join(f"- {item}\n" for item in (
    "your name", "your date of birth", "your address", "the name of your doctor", "the medicines you take",
    "the date of your last period", "whether you have had a scan this year", "your glasses", "a drink of water",
    "a book to read", "a friend if you like", "your phone", "your keys", "a warm coat", "your letter from us",
    "your bank card", "a snack for later", "your reading glasses", "a list of questions")) + "\n"


@dataclass
class Case:
    rule: str
    file: str
    old: str
    new: str
    anchor: str | None  # text whose position the finding must report (None: line 1, column 1)
    anchor_file: str | None = None  # where the anchor is, when the finding is in another file
    column_from_anchor: bool = True
    also: tuple[tuple[str, str], ...] = ()  # further edits of the same file, so that only this rule fires


def body(text: str) -> tuple[str, str]:
    """The edit that puts ``text`` in the body, just before a heading the example has."""
    return BODY_ANCHOR, f"{text}\n\n{BODY_ANCHOR}"


FIRES = [
    Case("frontmatter-missing", RATING, "---\nid: GOV-006", "id: GOV-006", None),
    Case("yaml-syntax", RATING, "  administrator:\n    - Checks", "\tadministrator:\n    - Checks",
         "\tadministrator"),
    Case("yaml-duplicate-key", RATING, "status: approved\n", "status: approved\nstatus: draft\n",
         "status: draft"),
    Case("schema", RATING, "author: Priya Lindqvist\n", "", None),
    Case("schema", RATING, 'created: "2025-10-06"', "created: May", "created: May"),
    Case("schema", RATING, "status: approved\n", "status: approved\nreveiw_interval: 36\n",
         "reveiw_interval"),
    Case("duplicate-id", RATING, "id: GOV-006", "id: GOV-005", "id: GOV-005"),
    Case("duplicate-title", RATING, "title: Display of the CQC rating", "title: Duty  of CANDOUR",
         "title: Duty"),
    Case("review-overdue", RATING, 'next_review: "2028-01-15"', 'next_review: "2026-11-01"',
         "next_review"),
    Case("review-due-soon", RATING, 'next_review: "2028-01-15"', 'next_review: "2027-01-10"',
         "next_review"),
    Case("review-interval", RATING, 'next_review: "2028-01-15"', 'next_review: "2028-03-06"',
         "next_review"),
    Case("review-interval", RATING, "review_interval: 24", "review_interval: 36", "review_interval"),
    Case("date-order", RATING, 'approved_on: "2026-01-15"', 'approved_on: "2026-12-24"',
         "approved_on", also=(('    date: "2026-01-15"', '    date: "2026-12-24"'),)),
    Case("history", RATING, 'version: "1.1"\nstatus', 'version: "1.2"\nstatus', 'version: "1.1"'),
    Case("history", RATING, '  - version: "1.1"\n    date: "2026-01-15"', '  - version: "1.1"\n    date: "2026-01-14"',
         'date: "2026-01-14"'),
    Case("unknown-role", RATING, "owner: registered-manager", "owner: chief-executive", "owner"),
    # te's entry listing pl's key (under te's own comment): reported at te's, the second entry.
    Case("shared-signing-key", STAFF, f"{TE_KEY} te@", f"{PL_KEY} te@", f"{PL_KEY} te@"),
    Case("unknown-role", "registers/staff.yml", "roles: [registered-manager, safeguarding-lead]",
         "roles: [registered-manager, receptionist]", "receptionist"),
    Case("undesignated-role", RATING, *body("Report problems to the fire officer."), "fire officer"),
    # Plural and possessive forms of a term, as an inspection found them.
    Case("undesignated-role", RATING, *body("Directors and senior managers sign the log."), "Directors"),
    Case("undesignated-role", RATING, *body("The poster goes up in the senior managers' office."), "senior managers'"),
    Case("unknown-job-title", RATING, *body("The Operations Manager signs the log."), "Operations Manager"),
    Case("unknown-job-title", RATING, *body("Ask the Health and Safety Manager before the unit moves."),
         "Health and Safety Manager"),
    Case("role-not-listed", RATING, *body("The Safeguarding Lead reviews every declined offer."), "Safeguarding Lead"),
    Case("role-not-listed", RATING, *body("Tell the first aiders where the poster hangs."), "first aiders"),
    Case("unknown-guidance", RATING, "  - cqc-display-of-ratings", "  - cqc-display-of-rating",
         "cqc-display-of-rating"),
    Case("missing-guidance", RATING, "guidance:\n  - cqc-display-of-ratings\n", "", "category"),
    Case("superseded-guidance", EMERGENCIES, "  - rcuk-guidelines-2025", "  - rcuk-guidelines-2021",
         "rcuk-guidelines-2021"),
    # The chaperone policy citing only the COSHH Regulations, which serve health and safety and infection control.
    Case("guidance-category", CHAPERONES, "  - gmc-chaperones", "  - coshh-2002", "coshh-2002"),
    # An entry last compared with its publisher's page more than 12 months ago, reported at the entry's line.
    Case("guidance-unchecked", GUIDANCE, '/regulations\n    status: current\n    checked_on: "2026-12-06"',
         '/regulations\n    status: current\n    checked_on: "2025-11-25"', "id: cqc-guidance-for-providers"),
    # The check recorded a change to the duty of candour page after GOV-005 was approved: reported where
    # GOV-005 cites it.
    Case("guidance-changed", GUIDANCE, 'checked_on: "2026-12-06"\n    edition: Published 2022-06',
         'checked_on: "2026-12-06"\n    changed_on: "2026-11-30"\n    edition: Published 2022-06',
         "cqc-duty-of-candour", anchor_file=CANDOUR),
    Case("unknown-category", GUIDANCE, "    categories: [governance]\n",
         "    categories: [governance, governence]\n", "governence"),
    # GOV-006's unit driver checks the poster each day, but is no longer asked to read the policy.
    Case("duty-holder-audience", RATING, "  - administrator\n  - unit-driver\n", "  - administrator\n",
         "unit-driver:"),
    Case("cqc-rating-missing", CONFIG, RATING_SETTING, "", "organisation:"),
    Case("unknown-standard", RATING, "  - hsca-reg-20a\n", "  - hsca-reg-20a\n  - hsca-reg-99\n", "hsca-reg-99"),
    # GOV-006 is the only policy that cites Regulation 20A.
    Case("standard-uncovered", RATING, "  - hsca-reg-20a\n", "", "id: hsca-reg-20a", anchor_file=STANDARDS),
    Case("not-applicable-invalid", CONFIG, "  not_applicable:\n",
         "  not_applicable:\n    cqc-safe-medicines-management: The service gives no medicines.\n",
         "cqc-safe-medicines-management"),
    Case("not-applicable-invalid", CONFIG, "    hsca-reg-14: >-\n", "    hsca-reg-14:\n", "hsca-reg-14:",
         also=(("      Patients come for a short outpatient scan; the service provides no food or drink and has "
                "no part in\n      meeting their nutrition or hydration.\n", ""),)),
    Case("not-applicable-cited", CONFIG, "  not_applicable:\n",
         "  not_applicable:\n    hsca-reg-20a: The rating is shown by the host site.\n", "hsca-reg-20a:"),
    Case("blocking-warning-unknown", CONFIG, "approvals:\n",
         "approvals:\n  blocking_warnings: [Policybook.Hedging, duplicate-contents]\n", "duplicate-contents"),
    Case("unknown-equipment", RATING, "history:\n", "equipment:\n  - oxygen-cylinder\nhistory:\n",
         "oxygen-cylinder"),
    Case("unknown-policy-ref", RATING, "history:\n", "related:\n  - GOV-999\nhistory:\n", "GOV-999"),
    Case("unknown-policy-ref", RATING, *body("See the [old policy](GOV-998)."), "GOV-998"),
    Case("undeclared-equipment", RATING, *body("Fetch the oxygen cylinder from the cupboard."),
         "oxygen cylinder"),
    Case("undeclared-equipment", RATING, *body("Fetch the oxygen cylinders from the cupboard."),
         "oxygen cylinders"),
    # Forbidding one thing on condition of another still tells staff to use the other.
    Case("undeclared-equipment", RATING, *body("Do not move a patient who has fallen without the hoist."), "hoist"),
    Case("superseded-still-approved", RATING, "history:\n", "supersedes:\n  - GOV-005\nhistory:\n",
         "status: approved", anchor_file=CANDOUR),
    Case("placeholder", RATING, *body("The poster frame is supplied by TBC."), "TBC"),
    Case("placeholder", RATING, *body("Send the report to <manager name>."), "<manager name>"),
    Case("placeholder", RATING, *body("Call [insert phone number] for help."), "[insert"),
    Case("placeholder", RATING, *body("Signed,\n\n[Name]\n[Name of Customer]"), "[Name]"),
    Case("placeholder", RATING, *body("We became aware of the breach on [Insert Date]."), "[Insert Date]"),
    Case("placeholder", RATING, *body("The frame is fitted by XXX."), "XXX"),
    Case("patient-identifiable", RATING, *body("The patient's NHS number was 943 476 5919."),
         "943 476 5919"),
    Case("patient-identifiable", RATING, *body("Patient seen, DOB: 03/07/1951, no concerns."), "DOB"),
    Case("raw-html", RATING, *body('<script>alert("x")</script>'), "<script>"),
    Case("raw-html", RATING, *body('See <img src="x.png" alt="x" onerror="steal()"> here.'), "<img"),
    Case("raw-html", RATING, *body("Open [this page](javascript:alert(1))."), "javascript:"),
    Case("broken-link", RATING, *body("Read the [leaflet](../leaflets/missing.pdf)."),
         "../leaflets/missing.pdf"),
    Case("heading-structure", RATING, *body("# A second title"), "# A second title"),
    Case("heading-skip", RATING, *body("#### Too deep\n\nText under it."), "#### Too deep"),
    Case("empty-section", RATING, *body("### Escalation\n\n<!-- Who to tell, and when. -->"), "### Escalation"),
    Case("empty-section", RATING, *body("### Escalation\n\n#### By telephone\n\n#### By e-mail"),
         "#### By telephone"),
    Case("image-alt", RATING, *body("![](poster.png)"), "poster.png"),
    Case("urgent-section", RATING, "status: approved\n", "status: approved\nurgent: In a fire\n", "urgent"),
    # A heading inside a quote is not a section of the policy: the site could not lift it out.
    Case("urgent-section", RATING, "status: approved\n", "status: approved\nurgent: In a fire\n", "urgent",
         also=((BODY_ANCHOR, "> ## In a fire\n>\n> Leave by the nearest exit.\n\n" + BODY_ANCHOR),)),
    Case("control-character", RATING, *body("Ring the bell\x07 twice."), "\x07"),
    # A Word heading in bold italic that ended with a line break, as pandoc writes it.
    Case("emphasis-debris", RATING, *body("### ***Escalation\\***\n\nCall the Registered Manager."), "***Escalation"),
    Case("emphasis-debris", RATING, *body("Keep the frame ** ** clean."), "** **"),
    Case("emphasis-debris", RATING, *body("Keep the frame **clean."), "**clean"),
    # GOV-006 is reviewed every 24 months.
    Case("review-frequency", RATING, *body("This policy is reviewed annually."), "This policy"),
    Case("review-frequency", RATING, *body("Staff read it. The policy will be reviewed every 3 years."),
         "The policy will"),
    # Documents for patients and their editions (public/).
    Case("schema", LEAFLET, "reading_age: 9\n", "reading_age: nine\n", "reading_age: nine"),
    Case("edition-stale", LEAFLET, 'version: "1.1"\nstatus', 'version: "2.0"\nstatus', "source_version",
         anchor_file=LEAFLET_AR, also=(("history:\n", 'history:\n  - version: "2.0"\n    date: "2026-11-26"\n'
                                                   "    author: Priya Lindqvist\n    summary: Revised.\n"),)),
    Case("edition-source-unknown", LEAFLET_AR, "edition_of: PUB-001", "edition_of: PUB-009", "edition_of"),
    Case("public-id-clash", PRIVACY, "id: PUB-005", "id: GOV-004", "id: GOV-004"),
    Case("patient-internal-term", CHAPERONE_NOTICE, "chaperone was.",
         "chaperone was. Ask the safeguarding-lead.", "safeguarding-lead"),
    Case("patient-internal-term", CHAPERONE_NOTICE, "chaperone was.",
         "chaperone was, as SAF-003 says.", "SAF-003"),
    Case("patient-staff-name", CHAPERONE_NOTICE, "chaperone was.",
         "chaperone was. Tomasz Ellery trains our chaperones.", "Tomasz Ellery"),
    Case("patient-staff-name", COMPLAINTS_NOTICE, "public_names: [Priya Lindqvist]",
         "public_names: [Martin Fairclough]", "Priya Lindqvist. She"),
    Case("easy-read-picture", EASY_READ, "![Two people standing together](pictures/two-people.svg)\n\n", "",
         "## Someone with you"),
    Case("easy-read-picture", EASY_READ, "![Two people standing together]", "![ ]", "## Someone with you"),
    # Long words and long sentences: reported at reading_age; an easy-read edition is held to its source's.
    Case("reading-age", RADIATION, "## Breastfeeding",
         "Ionising radiation deposits energy in biological tissue, and international radiological protection "
         "recommendations emphasise minimisation of unnecessary foetal exposure.\n\n## Breastfeeding",
         "reading_age: 10"),
    Case("reading-age", EASY_READ, "## After the scan", HARD_WORDS + "## After the scan", "edition_of: PUB-001"),
]


# The near misses: the same places, written correctly, produce nothing.
QUIET = [
    ("undesignated-role", "Report problems to the Unit Driver or the Registered Manager."),
    ("undesignated-role", "The directory of host sites is on the unit."),
    ("undesignated-role", "The directorate's rules, and Directory Services, do not apply."),
    ("unknown-job-title", "The Unit Driver and Administrator check the frame; the Registered Manager signs."),
    ("unknown-job-title", "Keep the website password in the Password Manager. Lead the visitor to the poster."),
    ("role-not-listed", "Tell the referrer by letter and the Registered Manager in person."),
    ("role-not-listed", "System administrators keep the website up; Kubernetes operators are not used."),
    ("undeclared-equipment", "Fetch the defibrillator (AED) from its wall bracket."),
    ("undeclared-equipment", "Fetch the defibrillators (AEDs) from their wall brackets."),
    ("undeclared-equipment", "Never use a hoist: the unit has none, so call the ambulance service."),
    ("undeclared-equipment", "Do not bring an oxygen cylinder onto the unit. Oxygen cylinders must not be kept here."),
    ("placeholder", "Use a line break<br>here, and a <strong>bold</strong> word."),
    ("placeholder", "Keep your to-do list short. The stored value is `TODO` in code."),
    ("placeholder", "Statements are numbered GOV.RATING.XXX, and incidents INC-XXXX."),
    ("placeholder", "See [the rating poster](https://www.cqc.org.uk) [1], and tick [x] when done."),
    ("placeholder", "The poster reads: \"ratings [...] must be displayed\"."),
    ("patient-identifiable", "Call 943 476 5910 for the booking line."),
    ("patient-identifiable", "Ask for the date of birth and check it against the referral."),
    ("raw-html", "Never paste `<script>` tags or `javascript:` links into a policy."),
    ("broken-link", "Read the [hand hygiene policy](../infection-control/hand-hygiene.md) and [CQC](https://www.cqc.org.uk)."),
    ("unknown-policy-ref", "See the [duty of candour policy](GOV-005)."),
    ("heading-structure", "### A subsection\n\nText under it."),
    ("heading-skip", "### A subsection\n\n#### A part of it\n\nText under it."),
    ("image-alt", "![The rating poster in its frame](poster.png)"),
    ("control-character", "Tabs\tare fine, and so are accents: café, naïve."),
    ("empty-section", "### Escalation\n\n#### By telephone\n\nCall the Registered Manager.\n\n<!-- a note -->"),
    ("empty-section", "### The poster\n\n![The rating poster in its frame](poster.png)"),
    ("emphasis-debris", "### ***Escalation***\n\nCall the *Registered Manager*, then sign on the line: ______."),
    ("emphasis-debris", "The form field is_checked shows a star (\\*) when the frame is clean."),
    ("review-frequency", "This policy is reviewed every two years. Frames are checked annually."),
    ("review-frequency", "The policy is reviewed biennially, and at least every two years."),
]


# Near misses in other files: (rule, file, old, new) edits after which lint finds nothing.
QUIET_EDITS = [
    # The chaperone policy citing guidance that serves safeguarding, and guidance that declares no categories.
    ("guidance-category", CHAPERONES, "  - gmc-chaperones\n", "  - gmc-chaperones\n  - care-act-2014\n"),
    ("guidance-category", CHAPERONES, "  - gmc-chaperones\n", "  - gmc-chaperones\n  - cqc-guidance-for-providers\n"),
    # An external role given duties needs no place in the audience (SAF-001 shows a role covered by all-staff).
    ("duty-holder-audience", RATING, "  unit-driver:\n",
     "  referrer:\n    - Is sent each new rating with the referral criteria.\n  unit-driver:\n"),
    # Checked exactly 12 months ago: still within the allowed interval.
    ("guidance-unchecked", GUIDANCE, '/regulations\n    status: current\n    checked_on: "2026-12-06"',
     '/regulations\n    status: current\n    checked_on: "2025-11-26"'),
    # A change recorded on the day GOV-005 was approved: the approval already took it into account.
    ("guidance-changed", GUIDANCE, 'checked_on: "2026-12-06"\n    edition: Published 2022-06',
     'checked_on: "2026-12-06"\n    changed_on: "2025-05-12"\n    edition: Published 2022-06'),
    # A provider not rated yet says so.
    ("cqc-rating-missing", CONFIG, RATING_SETTING, "cqc_rating: not yet rated\n"),
    # One person with two keys of their own, as when a key is rotated.
    ("shared-signing-key", STAFF, f"      - {PL_KEY}", f"      - {SPARE_KEY} pl@tablet\n      - {PL_KEY}"),
    # The urgent section named in other words' case and spacing, as a reader sees the heading.
    ("urgent-section", RATING, "status: approved\n", "status: approved\nurgent: when a new  Rating is published\n"),
    # A role written as patients read it, not as its id.
    ("patient-internal-term", CHAPERONE_NOTICE, "chaperone was.",
     "chaperone was. Ask the safeguarding lead."),
    # A member of staff the document lists in public_names, named again.
    ("patient-staff-name", COMPLAINTS_NOTICE, "give you a new date.",
     "give you a new date. Priya Lindqvist reads each one."),
    # A new id of its own.
    ("public-id-clash", PRIVACY, "id: PUB-005", "id: PUB-006"),
    # The picture after the words of its section still belongs to it.
    ("easy-read-picture", EASY_READ, "![Two people standing together](pictures/two-people.svg)\n\nYou can ask",
     "You can ask for a chaperone. This is one of our staff who stays with you.\n\n"
     "![Two people standing together](pictures/two-people.svg)\n\nYou can ask"),
    # List items without full stops are short sentences each (a reading age of 7.9), not one long one run into
    # the next (10.2, above the leaflet's 10).
    ("reading-age", RADIATION, "## Breastfeeding", "Bring these with you:\n\n" + SHORT_ITEMS + "## Breastfeeding"),
    # Hard words in a heading, a table, code or a picture's alternative text are not running text.
    ("reading-age", RADIATION, "## Breastfeeding",
     "## Densitometry and radiological protection considerations\n\n"
     "| Examination | Approximate effective dose equivalence |\n|---|---|\n"
     "| Densitometry examination | Approximately equivalent to environmental background irradiation |\n\n"
     "![Densitometry apparatus demonstrating dual-energy absorptiometry](pictures/bone.svg)\n\n"
     "```\nradiological-protection-documentation-identification\n```\n\n## Breastfeeding"),
    # Hard words in a translation are for its translator to judge.
    ("reading-age", LEAFLET_AR, "## ", HARD_WORDS + "## "),
]
