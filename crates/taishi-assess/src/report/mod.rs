//! Reports: the situation for management and regulators, as HTML, Markdown or JSON.
