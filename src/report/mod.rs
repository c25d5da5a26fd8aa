//! Charts and tables shared by every study and validation case (the lowest tool layer: it
//! imports nothing but [`crate::error`]).

pub mod plots;
