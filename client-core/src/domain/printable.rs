//! Text from a record or a person, made safe to print on a terminal: a control
//! character (an escape sequence could move the cursor, rewrite earlier lines or
//! change the terminal's title) is shown as its `\u{…}` escape instead. Line breaks
//! and tabs, which text may hold, stay as they are.

use std::borrow::Cow;

fn unsafe_char(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` with every control character but a line break or tab escaped.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if unsafe_char(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `printable` for a one-line field (a name): line breaks and tabs escaped too.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey_and_keeps_lines() {
        assert_eq!(printable("plain"), "plain");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("line one\nline\ttwo"), "line one\nline\ttwo");
        assert_eq!(printable("bell\u{7}"), "bell\\u{7}");
        assert_eq!(printable("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(one_line("name\nforged line"), "name\\u{a}forged line");
    }
}
