//! Positions in PostgreSQL's write-ahead log (`pg_lsn`), the consistency token of a write: a
//! standby that has replayed a write's position shows it.

/// A WAL position, as PostgreSQL writes it: `16/B374D848` (the high and low 32 bits, in hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WalPosition(u64);

impl WalPosition {
    /// Reads PostgreSQL's `pg_lsn` text; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (high, low) = text.split_once('/')?;
        let valid = |part: &str| {
            (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_hexdigit())
        };
        if !valid(high) || !valid(low) {
            return None;
        }
        let high = u64::from_str_radix(high, 16).ok()?;
        let low = u64::from_str_radix(low, 16).ok()?;
        Some(Self((high << 32) | low))
    }
}

impl std::fmt::Display for WalPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_back_as_written_and_order_as_the_log_does() {
        let position = WalPosition::parse("16/B374D848").expect("a position");
        assert_eq!(position.to_string(), "16/B374D848");
        assert_eq!(
            WalPosition::parse("0/0").map(|p| p.to_string()).as_deref(),
            Some("0/0")
        );
        assert_eq!(
            WalPosition::parse("FFFFFFFF/FFFFFFFF"),
            Some(WalPosition(u64::MAX))
        );
        // The high part counts for more than any low part.
        assert!(WalPosition::parse("1/0") > WalPosition::parse("0/FFFFFFFF"));
        assert!(WalPosition::parse("0/10") > WalPosition::parse("0/F"));
        assert!(WalPosition::parse("0/A") < WalPosition::parse("0/B"));
        for bad in [
            "",
            "16",
            "16/",
            "/1",
            "1/2/3",
            "G/1",
            "1/G",
            "123456789/1",
            "1/123456789",
            " 1/2",
        ] {
            assert_eq!(WalPosition::parse(bad), None, "{bad:?}");
        }
    }
}
