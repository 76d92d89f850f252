//! The page every web page sits in: a header naming who is signed in with a sign-out
//! button, the content, and one stylesheet with print rules (navigation and forms are
//! not printed; charts and tables are kept whole on a page). Every page fits a phone's
//! width: words and ids wrap, a wide table scrolls in a box of its own or, on a narrow
//! screen, shows each row as a card, and links and buttons for navigating and filling
//! in forms are at least 44 px tall.

use crate::storage::WebSession;
use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = r#"
:root { --ink: #1d2433; --muted: #5b6475; --line: #d6dae3; --good: #1b6fb5; --bad: #c75300; --accent: #2f5d50; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font: 16px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0; }
header.site { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: center; justify-content: space-between; padding: 0 1.2rem; background: var(--accent); color: #fff; }
header.site a { color: #fff; }
header.site .who { display: flex; flex-wrap: wrap; gap: 0 .8rem; align-items: center; }
header.site form { display: inline; }
header.site button { margin: .3rem 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; overflow-wrap: anywhere; }
a { color: #1a4f9c; }
a:focus, button:focus, input:focus, select:focus, textarea:focus, .scroll:focus { outline: 3px solid #ffbf47; outline-offset: 1px; }
nav a, .links a { display: inline-flex; align-items: center; min-height: 44px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .9em; }
code { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; margin: .5rem 0 1rem; }
.scroll > table { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; overflow-wrap: break-word; }
caption { text-align: left; padding: .2rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ol.months { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0 .5rem; }
ol.months li { white-space: nowrap; }
ol.months abbr { text-decoration: none; color: var(--muted); }
.muted { color: var(--muted); }
.gap-wide { color: var(--bad); font-weight: 600; }
.improvement { color: var(--good); font-weight: 600; }
.concern { color: var(--bad); font-weight: 600; }
.late { color: var(--bad); }
.notice { border-left: 4px solid var(--accent); background: #eef5f2; padding: .5rem .8rem; margin: .8rem 0; }
.error { border-left: 4px solid var(--bad); background: #fbefe6; padding: .5rem .8rem; margin: .8rem 0; }
.warning { border-left: 4px solid #b58a00; background: #fbf6e3; padding: .5rem .8rem; margin: .8rem 0; }
figure.chart { margin: 1rem 0; max-width: 36rem; }
span.badge .icon { display: inline-block; width: 20px; height: 20px; border-radius: 50%; color: #fff; font-size: 11px; line-height: 20px; text-align: center; font-weight: bold; vertical-align: middle; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; padding: 0; margin: 0.3rem 0; font-size: 0.85rem; }
ul.legend li { display: flex; align-items: center; gap: 0.3rem; }
div.cycles-of-month { display: flex; flex-wrap: wrap; gap: 0 2rem; }
figure.chart > svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
details.data { margin: .3rem 0 1rem; }
form.stacked label { display: block; margin-top: .6rem; font-weight: 600; }
form.stacked input, form.stacked textarea, form.stacked select { width: 100%; max-width: 40rem; }
form.stacked textarea { min-height: 4rem; }
form label { display: inline-block; margin: .2rem .6rem .2rem 0; }
input, select, textarea { font: inherit; padding: .3rem; max-width: 100%; }
.id { overflow-wrap: anywhere; color: #555; }
input, select, button { min-height: 44px; }
button { font: inherit; padding: .35rem .9rem; margin-top: .6rem; cursor: pointer; }
ul.signals li { margin: .3rem 0; }
ol.notes { list-style: none; padding: 0; }
ol.notes li { margin: 0 0 .8rem; }
ol.notes p { margin: .2rem 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(16rem, 100%), 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); padding: .6rem .8rem; border-radius: 4px; }
@media screen and (max-width: 40rem) {
  header.site, main { padding-left: .75rem; padding-right: .75rem; }
  .card { padding: .5rem; }
  table.stack, table.stack caption, table.stack tbody, table.stack tr, table.stack th, table.stack td { display: block; width: auto; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.stack tr { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 .8rem; padding: .3rem .6rem; }
  table.stack th, table.stack td { border: 0; padding: .15rem 0; text-align: left; }
  table.stack tbody th { background: none; font-size: 1.05em; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
  /* A label that is a question takes no colon. */
  table.stack.asked td[data-label]::before { content: attr(data-label) " "; }
  table.stack td:empty { display: none; }
}
@page { size: A4; margin: 14mm 12mm; }
@media print {
  header.site, nav, form, .no-print { display: none !important; }
  section.team { break-before: page; }
  section.team .cards { display: grid; grid-template-columns: 1fr 1fr; gap: 0.5rem; }
  div.card, div.cycles-of-month { break-inside: avoid; }
  main { max-width: none; padding: 0; }
  body { font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  .scroll { overflow: visible; }
  figure.chart, table { break-inside: avoid; }
  section.team { page-break-inside: avoid; }
  h1 { font-size: 16pt; }
}
"#;

/// A whole page titled `title`, for `who` (or for nobody, on the sign-in page).
pub fn page(title: &str, who: Option<&WebSession>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Praxis" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.site {
                    nav aria-label="Site" {
                        a href="/" { strong { "Praxis" } }
                        @if who.is_some() {
                            " "
                            a href="/field/" { "Field app" }
                            " "
                            a href="/devices/enrol" { "Enrol a device" }
                        }
                    }
                    @if let Some(who) = who {
                        div.who {
                            span { "Signed in as " (who.name) " " }
                            form method="post" action="/sign-out" {
                                input type="hidden" name="csrf" value=(who.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main id="content" {
                    (content)
                }
            }
        }
    }
}

/// A table in a box of its own that scrolls sideways when the table is wider than the
/// page, so the page itself never does. `label` names the box for screen readers, and
/// it takes the keyboard's focus so it can be scrolled without a pointer.
pub fn scrolling(label: &str, table: Markup) -> Markup {
    html! {
        div.scroll role="region" aria-label=(label) tabindex="0" { (table) }
    }
}

/// A hidden field carrying the session's CSRF token, for every form.
pub fn csrf_field(who: &WebSession) -> Markup {
    html! { input type="hidden" name="csrf" value=(who.csrf); }
}
