//! One-time enrolment codes as people read them aloud and type them: 16 characters of
//! Crockford's base32 (80 random bits) in four groups of four, such as
//! `7KQ2-M9XD-4HTR-B3WN`. A code is taken in any case, with or without dashes or
//! spaces, and I and L read as 1, O as 0, so a misheard letter still counts.

/// Crockford's base32: digits and capitals, without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many characters a code has, dashes left out.
pub const CHARACTERS: usize = 16;

/// A code as people are shown one, for messages that say what a code looks like.
pub const EXAMPLE: &str = "7KQ2-M9XD-4HTR-B3WN";

/// The code that 80 random bits make, in its one stored form (capitals, no dashes).
pub fn from_bits(bits: [u8; 10]) -> String {
    let value = bits.iter().fold(0u128, |v, b| (v << 8) | u128::from(*b));
    (0..CHARACTERS)
        .map(|i| {
            let index = (value >> (5 * (CHARACTERS - 1 - i))) & 31;
            char::from(ALPHABET[index as usize])
        })
        .collect()
}

/// A code as typed, in its one stored form; `None` when it is not a code: too short,
/// too long, or holding something other than letters, digits, dashes and spaces.
pub fn canonical(typed: &str) -> Option<String> {
    let mut code = String::with_capacity(CHARACTERS);
    for c in typed.chars() {
        match c.to_ascii_uppercase() {
            '-' => {}
            c if c.is_whitespace() => {}
            'I' | 'L' => code.push('1'),
            'O' => code.push('0'),
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => code.push(c),
            _ => return None,
        }
    }
    (code.len() == CHARACTERS).then_some(code)
}

/// A code in groups of four for reading aloud: `7KQ2-M9XD-4HTR-B3WN`.
pub fn grouped(code: &str) -> String {
    code.chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_back_however_it_is_typed() {
        let code = from_bits([0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(code.len(), CHARACTERS);
        let shown = grouped(&code);
        assert_eq!(shown.len(), CHARACTERS + 3);
        for typed in [
            code.clone(),
            shown.clone(),
            shown.to_lowercase(),
            shown.replace('-', " "),
            format!("  {shown}\n"),
        ] {
            assert_eq!(canonical(&typed).as_deref(), Some(code.as_str()), "{typed}");
        }
        assert_eq!(
            canonical(EXAMPLE).map(|c| grouped(&c)).as_deref(),
            Some(EXAMPLE)
        );
    }

    #[test]
    fn misheard_letters_count_and_what_is_not_a_code_is_refused() {
        assert_eq!(
            canonical("ilo0-ABCD-EFGH-JKMN").as_deref(),
            Some("1100ABCDEFGHJKMN")
        );
        for wrong in [
            "",
            "ABCD-EFGH-JKMN",
            "ABCD-EFGH-JKMN-PQRS-T",
            "ABCD-EFGH-JKMN-PQRU",
            "ABCD_EFGH_JKMN_PQRS",
            "ÄBCD-EFGH-JKMN-PQRS",
        ] {
            assert_eq!(canonical(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn every_bit_reaches_the_code() {
        assert_eq!(from_bits([0; 10]), "0000000000000000");
        assert_eq!(from_bits([0xff; 10]), "ZZZZZZZZZZZZZZZZ");
        assert_eq!(
            from_bits([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            "0000000000000001"
        );
        assert_eq!(
            from_bits([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            "G000000000000000"
        );
    }
}
