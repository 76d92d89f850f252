//! The exact lower quantile of Binomial(m, ½), in whole-number arithmetic: Anhøj's
//! crossings rule needs qbinom(0.05, n − 1, 0.5), and a floating-point sum of binomial
//! probabilities can land on the wrong side of 5%.
//!
//! The cost grows with the square of m (thousands of points take milliseconds).

use std::cmp::Ordering;

/// The smallest x with P(X ≤ x) ≥ numerator / denominator for X ~ Binomial(trials, ½),
/// as R's `qbinom` defines it. The probability must be in (0, 1].
pub(super) fn quantile_of_half(trials: u32, numerator: u32, denominator: u32) -> u32 {
    // P(X ≤ x) ≥ p  ⇔  denominator · Σ_{k ≤ x} C(trials, k) ≥ numerator · 2^trials.
    let threshold = Natural::power_of_two(trials).times(numerator);
    let mut coefficient = Natural::from(1);
    let mut cumulative = Natural::from(0);
    for k in 0..trials {
        cumulative.add(&coefficient);
        if cumulative.clone().times(denominator).cmp(&threshold) != Ordering::Less {
            return k;
        }
        // C(m, k + 1) = C(m, k) · (m − k) / (k + 1), always a whole number.
        coefficient = coefficient.times(trials - k).divided_exactly_by(k + 1);
    }
    trials
}

/// A natural number of any size, in base-2³² digits, least significant first.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Natural(Vec<u32>);

impl From<u32> for Natural {
    fn from(n: u32) -> Self {
        Natural(vec![n])
    }
}

impl Natural {
    fn power_of_two(exponent: u32) -> Natural {
        let mut digits = vec![0; exponent as usize / 32];
        digits.push(1 << (exponent % 32));
        Natural(digits)
    }

    fn times(mut self, factor: u32) -> Natural {
        let mut carry = 0u64;
        for digit in &mut self.0 {
            let product = u64::from(*digit) * u64::from(factor) + carry;
            *digit = product as u32;
            carry = product >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        self.trimmed()
    }

    /// Division by a divisor known to divide exactly (a zero divisor leaves it as is).
    fn divided_exactly_by(mut self, divisor: u32) -> Natural {
        if divisor == 0 {
            return self;
        }
        let mut remainder = 0u64;
        for digit in self.0.iter_mut().rev() {
            let current = (remainder << 32) | u64::from(*digit);
            *digit = (current / u64::from(divisor)) as u32;
            remainder = current % u64::from(divisor);
        }
        self.trimmed()
    }

    fn add(&mut self, other: &Natural) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        let mut carry = 0u64;
        for (i, digit) in self.0.iter_mut().enumerate() {
            let sum = u64::from(*digit) + u64::from(other.0.get(i).copied().unwrap_or(0)) + carry;
            *digit = sum as u32;
            carry = sum >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn trimmed(mut self) -> Natural {
        while self.0.len() > 1 && self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }
}

impl Ord for Natural {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

impl PartialOrd for Natural {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// qbinom(0.05, m, 0.5) in R.
    fn q05(m: u32) -> u32 {
        quantile_of_half(m, 1, 20)
    }

    #[test]
    fn matches_r_qbinom_at_five_percent() {
        // R: qbinom(0.05, c(0, 1, 4, 9, 10, 19, 23, 29, 39, 59, 99), 0.5)
        let known = [
            (0, 0),
            (1, 0),
            (4, 0),
            (9, 2),
            (10, 2),
            (19, 6),
            (23, 8),
            (29, 10),
            (39, 14),
            (59, 23),
            (99, 41),
        ];
        for (m, q) in known {
            assert_eq!(q05(m), q, "qbinom(0.05, {m}, 0.5)");
        }
    }

    #[test]
    fn the_boundary_is_exact() {
        // Binomial(9, ½): P(X ≤ 1) = 10/512 < 5% and P(X ≤ 2) = 46/512 ≥ 5%.
        assert_eq!(q05(9), 2);
        // P(X ≤ 0) = 1/2 for one trial: the median is 0, and the 60% quantile is 1.
        assert_eq!(quantile_of_half(1, 1, 2), 0);
        assert_eq!(quantile_of_half(1, 3, 5), 1);
        // Probability one: every outcome is needed.
        assert_eq!(quantile_of_half(7, 1, 1), 7);
    }

    #[test]
    fn large_numbers_of_trials_stay_exact() {
        // Far beyond u128: 2^1000. Symmetry: the median of Binomial(1000, ½) is 500.
        assert_eq!(quantile_of_half(1000, 1, 2), 500);
        // Python: min(x for x in range(1001) if 20 * sum(comb(1000, k) for k in
        // range(x + 1)) >= 2**1000); the normal approximation 500 − 1.645·√250 agrees.
        assert_eq!(q05(1000), 474);
    }

    #[test]
    fn naturals_compare_and_carry() {
        let big = Natural::power_of_two(64);
        assert_eq!(big, Natural(vec![0, 0, 1]));
        let mut sum = Natural::from(u32::MAX);
        sum.add(&Natural::from(1));
        assert_eq!(sum, Natural(vec![0, 1]));
        assert!(Natural::power_of_two(33) > Natural::power_of_two(32).times(1));
        assert_eq!(
            Natural::power_of_two(40).divided_exactly_by(1 << 8),
            Natural::power_of_two(32)
        );
    }
}
