//! Where a forward line comes from, when it is not the host's alone.

use super::error::Origin;
use crate::config::ConfigSet;
use crate::resolve::EffectiveForward;

/// Where forward line `f` is, for a refusal that names the block other hosts share.
pub(super) fn origin(set: &ConfigSet, f: &EffectiveForward) -> Origin {
    let file = f.loc.file();
    if !set.file(file).editable() {
        return Origin::SystemConfig { file };
    }
    match (f.block, set.included_from(file)) {
        (Some(header), _) => Origin::Block { header },
        (None, Some(include)) => {
            let doc = &set.file(include.file()).doc;
            let within = doc
                .block_of(include.index())
                .header
                .map(|h| crate::loc::Loc::new(include.file(), h));
            Origin::IncludedTop {
                file,
                include,
                within,
            }
        }
        (None, None) => Origin::Global,
    }
}
