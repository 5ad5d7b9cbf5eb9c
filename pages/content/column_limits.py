"""The longest values the page tables' text columns hold: one owner for each limit. The model declares
its columns with them (`pages.models`), the import refuses longer front matter naming the key and its
line (`pages.content.source_fields`), and search sections are cut to fit (`pages.content.sections`)."""

PAGE_TITLE = 500
PAGE_NAV_ORDER = 100
PAGE_URL = 1000
SECTION_ANCHOR = 300
SECTION_HEADING = 500
