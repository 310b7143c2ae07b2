//! One mechanism for the simulator's open tables ([`crate::PeKind`],
//! [`crate::DataflowKind`]): a serializable identifier per implementation of
//! a trait, its name on the command line and in files, and the lookup from
//! one to the other. Adding an implementation is one line in its table.

/// Declares `$kind`, an enum with one variant per registered implementation
/// of `$trait` (`Variant = "name" => implementation`), that dereferences to
/// its implementation, prints and parses as its name (case-insensitive),
/// and serializes as it. `$what` names the table in parse errors.
macro_rules! registry {
    (
        $(#[$meta:meta])*
        $kind:ident: dyn $trait:ident, $what:literal {
            $( $(#[$doc:meta])* $variant:ident = $name:literal => $imp:expr, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $kind {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )+
        }

        impl $kind {
            /// Every kind, in registration order.
            pub const ALL: &'static [$kind] = &[$($kind::$variant),+];

            /// The name used on the command line and in files.
            pub const fn name(self) -> &'static str {
                match self {
                    $( $kind::$variant => $name, )+
                }
            }

            /// The kind's position in registration order.
            pub fn index(self) -> u32 {
                $kind::ALL.iter().position(|&k| k == self).unwrap_or(0) as u32
            }

            /// The implementation registered for this kind (what the kind
            /// dereferences to, with a `'static` lifetime).
            pub fn implementation(self) -> &'static dyn $trait {
                match self {
                    $( $kind::$variant => &$imp, )+
                }
            }
        }

        impl std::ops::Deref for $kind {
            type Target = dyn $trait;
            fn deref(&self) -> &(dyn $trait + 'static) {
                self.implementation()
            }
        }

        impl std::fmt::Display for $kind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $kind {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $kind::ALL
                    .iter()
                    .copied()
                    .find(|k| k.name().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let names: Vec<&str> = $kind::ALL.iter().map(|k| k.name()).collect();
                        format!(
                            "unknown {} '{s}' (expected one of: {})",
                            $what,
                            names.join(", ")
                        )
                    })
            }
        }
    };
}
pub(crate) use registry;
