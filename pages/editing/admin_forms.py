"""The admin's page forms: validation of URL, nav_order, parent, status and the extra front matter."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import yaml
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from pages.content import front_matter as front_matter_yaml
from pages.content.jekyll_site import SiteRules
from pages.content.markdown_io import json_safe, normalise_newlines
from pages.content.own_routes import own_route_message
from pages.content.render_limits import RenderRefused, check_renders
from pages.content.urls_from_paths import site_path
from pages.editing.drafts import draft_state
from pages.editing.editor_widget import MarkdownEditor
from pages.models import Page, PageDraft
from pages.store.page_derivation import redirect_owner
from pages.store.revisions import (
    PageDiff,
    diff_states,
    find_version_number,
    page_state,
    version_author,
    version_state,
)
from pages.store.site_settings import site_rules
from pages.sync.page_files import reimport_problems

# Front-matter keys that have their own form field; the YAML box holds every other key.
MODEL_KEYS = {
    "title": "Title",
    "permalink": "URL",
    "parent": "Parent",
    "nav_order": "Nav order",
    "date": "Date",
    "published": "Status",
    "nav_exclude": "Nav exclude",
    "search_exclude": "Search exclude",
    "has_toc": "Has toc",
    "description": "Description",
}
URL_HELP = "Starts and ends with “/”. Left empty on a new page, it is made from the parent's URL and title."
STATUS_CHOICES = [("draft", "Draft"), ("published", "Published")]
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def parse_extra_front_matter(text: str) -> dict[str, Any]:
    """The YAML box as an ordered JSON-safe mapping, read by the import's loader with the same limits
    (`pages.content.front_matter.load`); a ValidationError names the line and the problem."""
    if not text.strip():
        return {}
    try:
        loaded = front_matter_yaml.load(text)
    except front_matter_yaml.FrontMatterError as exc:
        message = f"{exc.located().removesuffix('.')}. Nothing was saved."
        raise ValidationError(message, code="yaml") from exc
    data, lines = loaded.data, loaded.key_lines
    errors = [
        ValidationError(
            f"Line {lines.get(key, '?')}: “{key}” has its own field above ({MODEL_KEYS[key]}); "
            "set it there and remove it here.",
            code="yaml_model_key",
        )
        for key in data
        if key in MODEL_KEYS
    ]
    if errors:
        raise ValidationError(errors)
    return json_safe(data)


def extra_front_matter(front_matter: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (front_matter or {}).items() if k not in MODEL_KEYS}


def written_key_order(raw: str) -> list[str]:
    """The top-level keys in the order the front matter was written (PostgreSQL's jsonb sorts keys)."""
    try:
        node = yaml.compose(raw or "", Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    return [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]


def extra_front_matter_text(front_matter: dict[str, Any], raw: str = "") -> str:
    """The YAML box's text: the keys without their own field, in the order they were written."""
    extras = extra_front_matter(front_matter)
    if not extras:
        return ""
    position = {key: i for i, key in enumerate(written_key_order(raw))}
    ordered = sorted(extras, key=lambda k: position.get(k, len(position)))
    extras = {key: extras[key] for key in ordered}
    return yaml.safe_dump(extras, sort_keys=False, allow_unicode=True, default_flow_style=False)


def merge_front_matter(existing: dict[str, Any], extras: dict[str, Any]) -> dict[str, Any]:
    """Keep the model keys and the key order as imported; replace the other keys by `extras`."""
    merged = {}
    for key, value in (existing or {}).items():
        if key in MODEL_KEYS:
            merged[key] = value
        elif key in extras:
            merged[key] = extras[key]
    for key, value in extras.items():
        merged.setdefault(key, value)
    return merged


def apply_extra_edits(raw: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    """The front matter YAML text with exactly the YAML box's key changes applied (old → new extras).

    Removed keys lose their lines, changed keys get their new value, added keys are appended; every
    untouched key keeps its comments, position and quoting, so the exported file shows only the edit.
    """
    for key in old:
        if key not in new:
            raw = front_matter_yaml.remove_key(raw, key)
    for key, value in new.items():
        if key not in old or old[key] != value:
            raw = front_matter_yaml.set_key(raw, key, value)
    return raw


def validate_nav_order(value: str) -> str:
    """nav_order as written: an integer, a number such as 4.5, or text on one line."""
    value = (value or "").strip()
    if _CONTROL_RE.search(value):
        raise ValidationError(
            "Nav order must be one line: an integer, a number like 4.5, or text.", code="nav"
        )
    return value


def validate_url_path(value: str, *, exclude_pk: int | None) -> str:
    """The URL field's value as the page's URL: read by the import's rule (`urls_from_paths.site_path`:
    trimmed, '/' added in front, refused for '..', '\\', ':', '//', '?', ...), not Quire's own route,
    not another page's."""
    try:
        value = site_path(value or "", "The URL")
    except ValueError as exc:
        raise ValidationError(f"{exc}.", code="url_invalid") from exc
    reserved = own_route_message(value)
    if reserved:
        raise ValidationError(reserved[0].upper() + reserved[1:] + ".", code="url_reserved")
    other = Page.objects.filter(url_path=value).exclude(pk=exclude_pk).first()
    if other is not None:
        raise ValidationError(
            f"The URL {value} is already used by the page “{other.title}”. Choose another URL.",
            code="url_taken",
        )
    return value


def url_for_title(title: str, parent: Page | None, rules: SiteRules | None = None) -> str:
    """A page's default URL: its parent's folder plus the slug of its title, in the site's permalink
    style (`/guide/slug/` when pretty or without a _config.yml, else Jekyll's `/guide/slug.html`)."""
    rules = rules or site_rules()
    base = parent.url_path if parent else "/"
    if not base.endswith("/"):  # /guide.html or /guide/index.html: the folder is /guide/
        base = re.sub(r"(/index)?\.html?$", "", base) + "/"
    slug = slugify(title) or "page"
    style = rules.permalink_style
    if style in ("quire", "pretty") or style.endswith("/"):
        return f"{base}{slug}/"
    return f"{base}{slug}.html"


def descendant_ids(page_id: int) -> set[int]:
    """The ids of every page below page_id (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Page.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [page_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


class PageTextField(forms.CharField):
    """Text typed in a textarea, kept as typed: LF line endings (browsers send CRLF), and with
    `strip=False` its leading and trailing blank lines (a body's blank line after the front matter)."""

    def __init__(self, *, strip: bool = False, **kwargs):
        super().__init__(strip=strip, **kwargs)

    def to_python(self, value):
        return super().to_python(normalise_newlines(value) if isinstance(value, str) else value)


def text_field_like(field: forms.Field, *, strip: bool = False) -> PageTextField:
    """A PageTextField with the widget, label and help of the model's own form field."""
    return PageTextField(
        strip=strip,
        required=field.required,
        widget=field.widget,
        label=field.label,
        help_text=field.help_text,
        initial=field.initial,
        max_length=getattr(field, "max_length", None),
    )


NOT_CHANGES = {"base_version", "draft_version"}


def change_comment(form: PageAdminForm) -> str:
    """The history's comment for a form save, naming only the fields whose value really changed.

    Call before `apply_to_instance`: the YAML box is compared, as data, with the front matter the
    page had (its text is made by Quire, so formatting alone is no change).
    """
    names = [name for name in form.changed_data if name not in NOT_CHANGES]
    if "extra_front_matter" in names:
        before = extra_front_matter(form.instance.front_matter)
        if form.cleaned_data.get("extra_front_matter") == before:
            names.remove("extra_front_matter")
    if not names:
        return "No fields changed."
    return f"Changed {', '.join(names)}."


class Conflict:
    """What the editor needs to merge: who saved, and the diff of what changed meanwhile."""

    def __init__(self, current: Page, submitted_version: int, mine: dict[str, Any]):
        self.current = current
        base = find_version_number(current.pk, submitted_version)
        self.base_known = base is not None
        theirs = page_state(current)
        self.their_changes: PageDiff = diff_states(version_state(base), theirs) if base else PageDiff()
        self.yours_vs_theirs: PageDiff = diff_states(theirs, mine)
        latest = find_version_number(current.pk, current.version)
        if latest is not None:
            self.changed_by = version_author(latest)
        elif current.updated_by is not None:
            self.changed_by = current.updated_by.get_username()
        else:
            self.changed_by = "an import or another process"


class DraftConflict:
    """What an editor needs to merge when someone else saved the page's pending draft meanwhile."""

    base_known = True

    def __init__(self, *, changed_by: str, their_changes: PageDiff, yours_vs_theirs: PageDiff):
        self.changed_by, self.their_changes, self.yours_vs_theirs = changed_by, their_changes, yours_vs_theirs


class NavOrderListForm(forms.ModelForm):
    """The change list's editable nav_order column.

    Each row also sends the nav_order it was loaded with (Django's hidden initial value); a row the
    editor changed is refused when the stored nav_order is no longer that value, so a list save never
    overwrites a reorder or an edit made meanwhile.
    """

    class Meta:
        model = Page
        fields = ["nav_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["nav_order"]
        field.show_hidden_initial = True
        field.widget.attrs.update({"aria-label": f"Nav order of {self.instance.title}", "size": 4})

    def loaded_nav_order(self) -> str | None:
        """The nav_order the list showed when the editor loaded it (None when the form did not send it)."""
        field = self.fields["nav_order"]
        return field.hidden_widget().value_from_datadict(
            self.data, self.files, self.add_initial_prefix("nav_order")
        )

    def clean_nav_order(self):
        value = validate_nav_order(self.cleaned_data.get("nav_order", ""))
        if self.instance._state.adding or "nav_order" not in self.changed_data:
            return value
        loaded, current = self.loaded_nav_order(), self.instance.nav_order
        if loaded is None:
            raise ValidationError("This list is missing the loaded nav_order; reload it.", code="stale")
        if loaded.strip() != current.strip():
            data = self.data.copy()
            data[self.add_initial_prefix("nav_order")] = current
            self.data = data
            raise ValidationError(
                f"“{self.instance.title}” was changed while you had this list open: its nav_order is now "
                f"“{current or 'empty'}” (you loaded “{loaded.strip() or 'empty'}”). Nothing was saved. "
                "Check the value and save again to replace it.",
                code="conflict",
            )
        return value


class PageAdminForm(forms.ModelForm):
    """The page edit form. `can_publish` is set per request by the admin."""

    can_publish = False

    status = forms.ChoiceField(
        choices=STATUS_CHOICES,
        initial="draft",
        help_text="Drafts are seen only by staff. A published page dated in the future is scheduled: "
        "it appears on its date. Publishing needs the “Can publish and unpublish pages” permission.",
    )
    extra_front_matter = PageTextField(
        strip=True,
        label="Other front matter",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "class": "vLargeTextField quire-yaml", "spellcheck": "false"}
        ),
        help_text="Any other front-matter keys, as YAML (`key: value` lines). Exported with the page.",
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    replace_redirect = forms.BooleanField(
        label="Take this URL from its redirect",
        required=False,
        help_text="Only when the URL is the old address of another published page: give it to this page. "
        "The old address keeps answering with a redirect until this page is published.",
    )
    draft_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Page
        fields = [
            "title",
            "url_path",
            "parent",
            "nav_order",
            "date",
            "nav_exclude",
            "search_exclude",
            "has_toc",
            "description",
            "body",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: Conflict | None = None
        instance = self.instance
        adding = instance._state.adding
        fields = self.fields  # without the read-only ones when the user may only view the page
        for name, strip in (("body", False), ("description", True)):
            if name in fields:
                fields[name] = text_field_like(fields[name], strip=strip)
        if "body" in fields:
            fields["body"].widget = MarkdownEditor()  # Quire's editor (pages.editing.editor_widget)
        if "date" in fields and hasattr(fields["date"].widget, "widgets"):
            for widget, name in zip(fields["date"].widget.widgets, ("Date", "Time"), strict=False):
                widget.attrs["aria-label"] = name  # the admin's split widget writes unlinked labels
        if "url_path" in fields:
            fields["url_path"].required = False
            fields["url_path"].help_text = URL_HELP
            if adding:
                fields["url_path"].widget.attrs["data-prefill-from-title"] = "1"
            else:
                fields["url_path"].widget.attrs["data-offer-on-move"] = "1"
        if "parent" in fields:
            parents = Page.objects.all()
            if not adding:
                parents = parents.exclude(pk__in={instance.pk} | descendant_ids(instance.pk))
            fields["parent"].queryset = parents.order_by("url_path")
            fields["parent"].label_from_instance = lambda p: f"{p.title} ({p.url_path})"
            if "url_path" in fields:
                urls = dict(Page.objects.values_list("pk", "url_path"))
                fields["url_path"].widget.attrs["data-parent-urls"] = _json(urls)
        fields["status"].initial = "published" if (instance.published and not adding) else "draft"
        raw = instance.front_matter_raw
        fields["extra_front_matter"].initial = extra_front_matter_text(instance.front_matter, raw)
        fields["base_version"].initial = None if adding else instance.version
        if not adding:
            draft = PageDraft.objects.filter(page_id=instance.pk).only("version").first()
            fields["draft_version"].initial = draft.version if draft else 0
        if not self.can_publish:
            fields["status"].disabled = True
            fields["status"].help_text = (
                "You can save drafts. Changes to a published page are saved as changes awaiting "
                "publication; someone with the publish permission publishes them."
            )

    def clean_nav_order(self):
        return validate_nav_order(self.cleaned_data.get("nav_order", ""))

    def clean_url_path(self):
        value = self.cleaned_data.get("url_path", "")
        if not value.strip():
            return ""
        return validate_url_path(value, exclude_pk=self.instance.pk)

    def clean_body(self):
        """The body must render within the limits the live preview has (size, time, nesting)."""
        body = self.cleaned_data.get("body", "")
        try:
            check_renders(body)
        except RenderRefused as refused:
            raise ValidationError(f"{refused.message} Nothing was saved.", code="render") from refused
        return body

    def clean_extra_front_matter(self):
        return parse_extra_front_matter(self.cleaned_data.get("extra_front_matter", ""))

    def clean(self):
        cleaned = super().clean()
        if "url_path" in cleaned and not cleaned["url_path"]:
            if not cleaned.get("title"):
                self.add_error("url_path", "Give the page a title or a URL.")
            else:
                try:
                    cleaned["url_path"] = validate_url_path(
                        url_for_title(cleaned["title"], cleaned.get("parent")), exclude_pk=self.instance.pk
                    )
                except ValidationError as exc:
                    self.add_error("url_path", exc)
        if cleaned.get("url_path"):
            self._check_redirected_url(cleaned)
        if not self.instance._state.adding:
            self._check_version(cleaned)
            if self.conflict is None and not self.can_publish:
                self._check_draft_version(cleaned)
        return cleaned

    def _check_redirected_url(self, cleaned: dict[str, Any]) -> None:
        """Another live page's old URL is taken only by a publisher who ticks `replace_redirect`."""
        url = cleaned["url_path"]
        if not self.instance._state.adding and url == self.instance.url_path:
            return
        owner = redirect_owner(url, self.instance)
        if owner is None:
            return
        where = (
            f"The URL {url} is the old address of the published page “{owner.title}” ({owner.url_path}) "
            "and redirects readers there."
        )
        if not self.can_publish:
            self.add_error(
                "url_path",
                ValidationError(
                    f"{where} Only someone who may publish pages can give it to another page; "
                    "choose another URL.",
                    code="url_redirected",
                ),
            )
        elif not cleaned.get("replace_redirect"):
            self.add_error(
                "url_path",
                ValidationError(
                    f"{where} Tick “Take this URL from its redirect” to give it to this page (the redirect "
                    "keeps working until this page is published), or choose another URL.",
                    code="url_redirected",
                ),
            )

    def _check_draft_version(self, cleaned: dict[str, Any]) -> None:
        """Two editors continuing one page's changes awaiting publication: the second is stopped too."""
        draft = PageDraft.objects.select_for_update().filter(page_id=self.instance.pk).first()
        if draft is None or (cleaned.get("draft_version") or 0) == draft.version:
            return
        live = Page.objects.get(pk=self.instance.pk)
        theirs = draft_state(draft, live)
        mine = {**theirs, **{k: v for k, v in cleaned.items() if k in theirs}}
        mine["parent_id"] = cleaned["parent"].pk if cleaned.get("parent") else None
        mine["published"] = live.published
        self.conflict = DraftConflict(
            changed_by=draft.author.get_username() if draft.author else "someone",
            their_changes=diff_states(page_state(live), theirs),
            yours_vs_theirs=diff_states(theirs, mine),
        )
        when = draft.updated_at.strftime("%Y-%m-%d %H:%M:%S %Z")
        self.add_error(
            None,
            ValidationError(
                f"The changes awaiting publication on this page were saved by {self.conflict.changed_by} at "
                f"{when} while you were editing them. Nothing was saved. Your text is still in the form "
                "below; their changes are shown above it. Merge them into your text, then save again.",
                code="draft_conflict",
            ),
        )
        data = self.data.copy()
        data[self.add_prefix("draft_version")] = str(draft.version)
        self.data = data

    def _check_version(self, cleaned: dict[str, Any]) -> None:
        """Compare the version the editor started from with the stored one, holding the row lock."""
        submitted = cleaned.get("base_version")
        current = Page.objects.select_for_update().get(pk=self.instance.pk)
        if submitted is None:
            self.add_error(None, "This form is missing the page version; reload the page and try again.")
            return
        if submitted == current.version:
            return
        theirs = page_state(current)
        mine = {**theirs, **{k: v for k, v in cleaned.items() if k in theirs}}
        mine["parent_id"] = cleaned["parent"].pk if cleaned.get("parent") else None
        mine["published"] = self.published_value(cleaned, current.published)
        self.conflict = Conflict(current, submitted, mine)
        who = self.conflict.changed_by
        when = current.updated_at.strftime("%Y-%m-%d %H:%M:%S %Z")
        self.add_error(
            None,
            ValidationError(
                f"This page was changed by {who} at {when} while you were editing it. Nothing was saved. "
                "Your text is still in the form below; the changes are shown above it. Merge them into "
                "your text, then save again (saving again replaces the other version with yours).",
                code="conflict",
            ),
        )
        data = self.data.copy()
        data[self.add_prefix("base_version")] = str(current.version)
        self.data = data

    def published_value(self, cleaned: dict[str, Any], current: bool) -> bool:
        if not self.can_publish:
            return current
        return cleaned.get("status") == "published"

    def _post_clean(self):
        super()._post_clean()
        if not self._errors and "extra_front_matter" in self.cleaned_data:
            self._check_round_trip()

    def _check_round_trip(self) -> None:
        """Refuse a save whose exported file the import would refuse or read back differently."""
        page = self.apply_to(copy.copy(self.instance))
        extras = self.cleaned_data["extra_front_matter"]
        for problem in reimport_problems(page, keys=extras):
            self.add_error(
                "extra_front_matter" if problem.key in extras or not problem.key else None,
                ValidationError(
                    f"This page could not be imported again after an export: {problem.describe()}. "
                    "Nothing was saved.",
                    code="round_trip",
                ),
            )

    def apply_to_instance(self) -> Page:
        """Copy the form's non-model fields onto the page (status, front matter)."""
        return self.apply_to(self.instance)

    def apply_to(self, page: Page) -> Page:
        page.published = self.published_value(self.cleaned_data, page.published if page.pk else False)
        extras = self.cleaned_data["extra_front_matter"]
        old_extras = extra_front_matter(page.front_matter)
        page.front_matter_raw = apply_extra_edits(page.front_matter_raw or "", old_extras, extras)
        page.front_matter = merge_front_matter(page.front_matter, extras)
        return page


def _json(value) -> str:
    return json.dumps({str(k): v for k, v in value.items()})
