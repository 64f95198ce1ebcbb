//! Nested input objects must be JSON objects: serde's derived structs also take an array
//! of their fields in order (`"retry": [3, "fixed", 1000, 1000]`), which the API does not
//! promise. These deserialize a struct from a map only, keeping the field path of errors.
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

struct MapOnly<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for MapOnly<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
    }
}

struct OptionalMap<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionalMap<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_none<E>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_map(MapOnly(PhantomData)).map(Some)
    }
}

/// An optional object (`null` or absent is `None`; use with `#[serde(default)]`).
pub fn object_opt<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    d.deserialize_option(OptionalMap(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Inner {
        n: u32,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct Outer {
        #[serde(default, deserialize_with = "object_opt")]
        inner: Option<Inner>,
    }

    #[test]
    fn only_objects_or_null() {
        let ok = [
            (r#"{}"#, None),
            (r#"{"inner": null}"#, None),
            (r#"{"inner": {"n": 2}}"#, Some(Inner { n: 2 })),
        ];
        for (json, want) in ok {
            assert_eq!(
                serde_json::from_str::<Outer>(json).unwrap().inner,
                want,
                "{json}"
            );
        }
        for bad in [r#"{"inner": [2]}"#, r#"{"inner": []}"#, r#"{"inner": 2}"#] {
            assert!(serde_json::from_str::<Outer>(bad).is_err(), "{bad}");
        }
        let de = &mut serde_json::Deserializer::from_str(r#"{"inner": {"n": -1}}"#);
        let err = serde_path_to_error::deserialize::<_, Outer>(de).unwrap_err();
        assert_eq!(err.path().to_string(), "inner.n");
    }
}
