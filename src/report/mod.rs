//! Charts and tables shared by every study and validation case (the lowest tool layer: it
//! imports nothing but [`crate::error`] and [`crate::io`]).
//!
//! [`chart`] holds the figure builders ([`chart::LineChart`] with its [`chart::Axis`] and
//! [`chart::Scale`], and the figures that are not line charts); [`plots`] the drawing helpers
//! they share with the studies that draw their own charts.

pub mod chart;
pub mod plots;
