//! Conversions between stored rows, engine types and helmd.v1 messages, and paging.

pub mod action;
pub mod chart;
pub mod label_selector;
pub mod operation;
pub mod page;
pub mod plan;
pub mod release;
pub mod release_list;
pub mod repository;

/// Unix microseconds to a protobuf Timestamp.
pub fn timestamp(us: i64) -> prost_types::Timestamp {
    let seconds = us.div_euclid(1_000_000);
    let nanos = i32::try_from(us.rem_euclid(1_000_000) * 1000).unwrap_or(0);
    prost_types::Timestamp { seconds, nanos }
}

/// A protobuf Timestamp to Unix microseconds (saturating).
pub fn micros(ts: &prost_types::Timestamp) -> i64 {
    ts.seconds
        .saturating_mul(1_000_000)
        .saturating_add(i64::from(ts.nanos / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_micros() {
        for us in [0, 1, 1_700_000_000_123_456, -1] {
            assert_eq!(micros(&timestamp(us)), us);
        }
    }
}
