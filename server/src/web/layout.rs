//! The page every web page sits in: a header naming who is signed in with a sign-out
//! button, the content, and one stylesheet with print rules (navigation and forms are
//! not printed; charts and tables are kept whole on a page).

use crate::storage::WebSession;
use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = r#"
:root { --ink: #1d2433; --muted: #5b6475; --line: #d6dae3; --good: #1b6fb5; --bad: #c75300; --accent: #2f5d50; }
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0; }
header.site { display: flex; gap: 1rem; align-items: center; justify-content: space-between; padding: .6rem 1.2rem; background: var(--accent); color: #fff; }
header.site a { color: #fff; }
header.site form { display: inline; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
a { color: #1a4f9c; }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #ffbf47; outline-offset: 1px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.gap-wide { color: var(--bad); font-weight: 600; }
.improvement { color: var(--good); font-weight: 600; }
.concern { color: var(--bad); font-weight: 600; }
.late { color: var(--bad); }
.notice { border-left: 4px solid var(--accent); background: #eef5f2; padding: .5rem .8rem; margin: .8rem 0; }
.error { border-left: 4px solid var(--bad); background: #fbefe6; padding: .5rem .8rem; margin: .8rem 0; }
.warning { border-left: 4px solid #b58a00; background: #fbf6e3; padding: .5rem .8rem; margin: .8rem 0; }
figure.chart { margin: 1rem 0; }
figure.chart svg { width: 100%; height: auto; max-width: 60rem; border: 1px solid var(--line); background: #fff; }
details.data { margin: .3rem 0 1rem; }
form.stacked label { display: block; margin-top: .6rem; font-weight: 600; }
form.stacked input, form.stacked textarea, form.stacked select { width: 100%; max-width: 40rem; font: inherit; padding: .3rem; }
form.stacked textarea { min-height: 4rem; }
button { font: inherit; padding: .35rem .9rem; margin-top: .6rem; cursor: pointer; }
ul.signals li { margin: .3rem 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); padding: .6rem .8rem; border-radius: 4px; }
@media print {
  header.site, nav, form, .no-print { display: none !important; }
  main { max-width: none; padding: 0; }
  body { font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  section.team, figure.chart, table { break-inside: avoid; }
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
                    }
                    @if let Some(who) = who {
                        div {
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

/// A hidden field carrying the session's CSRF token, for every form.
pub fn csrf_field(who: &WebSession) -> Markup {
    html! { input type="hidden" name="csrf" value=(who.csrf); }
}
