//! Whole numbers in request bodies: JSON (and JSON Schema's `integer`) counts `5000.0` as
//! the whole number 5000, while serde's integer types refuse it. Integer fields of inputs
//! deserialize through these, so `5000` and `5000.0` mean the same; `5000.5`, a string or a
//! number out of the field's range are refused with a clear message.
use serde::de::Error;
use serde::{Deserialize, Deserializer};

fn whole_i128<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Ok(i128::from(u));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1.7e38 => Ok(f as i128),
        _ => Err(D::Error::custom(format!(
            "expected a whole number, got {n}"
        ))),
    }
}

/// A whole number that fits `T`.
pub fn whole<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D) -> Result<T, D::Error> {
    let n = whole_i128(d)?;
    T::try_from(n).map_err(|_| D::Error::custom(format!("{n} is out of range")))
}

/// An optional [`whole`] number (`null` or absent is `None`).
pub fn whole_opt<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_i128")] i128);
    match Option::<Whole>::deserialize(d)? {
        None => Ok(None),
        Some(Whole(n)) => T::try_from(n)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("{n} is out of range"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(deserialize_with = "whole")]
        a: u32,
        #[serde(default, deserialize_with = "whole_opt")]
        b: Option<i64>,
    }

    #[test]
    fn whole_numbers_with_or_without_a_fraction_part() {
        let ok = [
            (r#"{"a": 5}"#, 5, None),
            (r#"{"a": 5.0, "b": -3.0}"#, 5, Some(-3)),
            (r#"{"a": 0, "b": null}"#, 0, None),
            (
                r#"{"a": 4294967295, "b": 9007199254740992}"#,
                u32::MAX,
                Some(9007199254740992),
            ),
        ];
        for (json, a, b) in ok {
            assert_eq!(
                serde_json::from_str::<T>(json).unwrap(),
                T { a, b },
                "{json}"
            );
        }
        for bad in [
            r#"{"a": 5.5}"#,
            r#"{"a": -1}"#,
            r#"{"a": 4294967296}"#,
            r#"{"a": "5"}"#,
            r#"{"a": 1, "b": 1e300}"#,
        ] {
            assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
        }
    }
}
