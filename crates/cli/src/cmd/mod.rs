//! One module per subcommand.

pub(crate) mod doctor;
pub(crate) mod edit;
pub(crate) mod status;
pub(crate) mod tunnel;
