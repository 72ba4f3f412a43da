//! Debian's and Ubuntu's exception to OpenSSH's config permission check (their patch
//! `user-group-modes.patch`, function `secure_permissions` in misc.c): a config file that its
//! group may write is accepted when that group has the user as its one member, as the per-user
//! groups and umask 002 of a default Debian or Ubuntu account make it. Upstream OpenSSH (macOS,
//! Fedora, the BSDs) refuses any file its group may write.

/// A group, as `getgrgid` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// Its name (`gr_name`).
    pub(crate) name: Vec<u8>,
    /// Its listed (supplementary) members (`gr_mem`), in order.
    pub(crate) members: Vec<Vec<u8>>,
}

/// What the patch asks of the group and password databases.
pub(crate) trait Accounts {
    /// Group `gid` (`getgrgid`); `None` when there is none.
    fn group(&self, gid: u32) -> Option<Group>;
    /// The uid of every password entry (`getpwent`) whose primary group is `gid`, in order.
    fn primary_members(&self, gid: u32) -> Vec<u32>;
    /// The login name of `uid` (`getpwuid`); `None` without an entry.
    fn user_name(&self, uid: u32) -> Option<Vec<u8>>;
}

/// Does Debian's ssh accept a file of group `gid` owned by `owner` that its group may write (and
/// others may not), when read by the user `me` (ssh's `getuid()`)? The patch's own steps: the
/// group must exist; every account whose primary group it is must be `me`; the owner must have a
/// password entry; the group's listed members, if any, must be exactly the owner's name; and the
/// group must have at least one member of either kind (a group of none is refused).
pub(crate) fn sole_member_group(gid: u32, owner: u32, me: u32, db: &impl Accounts) -> bool {
    let Some(group) = db.group(gid) else {
        return false;
    };
    let primary = db.primary_members(gid);
    if primary.iter().any(|&uid| uid != me) {
        return false;
    }
    let Some(owner_name) = db.user_name(owner) else {
        return false;
    };
    match group.members.as_slice() {
        [] => !primary.is_empty(),
        [only] => *only == owner_name,
        _ => false,
    }
}

/// The system's databases, through the C library (`uzers`: `getgrgid_r`, `getpwent`,
/// `getpwuid_r`), so NSS sources such as LDAP or SSSD answer, as they do for ssh.
#[cfg(unix)]
pub(crate) struct SystemAccounts;

#[cfg(unix)]
impl Accounts for SystemAccounts {
    fn group(&self, gid: u32) -> Option<Group> {
        use std::os::unix::ffi::OsStrExt as _;
        use uzers::os::unix::GroupExt as _;
        let g = uzers::get_group_by_gid(gid)?;
        Some(Group {
            name: g.name().as_bytes().to_vec(),
            members: g.members().iter().map(|m| m.as_bytes().to_vec()).collect(),
        })
    }

    fn primary_members(&self, gid: u32) -> Vec<u32> {
        // getpwent walks one cursor per process: one walk at a time.
        static WALK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _walk = WALK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // SAFETY: `all_users` is unsafe because getpwent's cursor is per process; the lock
        // above keeps this the only walk (nothing else here calls getpwent).
        unsafe { uzers::all_users() }
            .filter(|u| u.primary_group_id() == gid)
            .map(|u| u.uid())
            .collect()
    }

    fn user_name(&self, uid: u32) -> Option<Vec<u8>> {
        use std::os::unix::ffi::OsStrExt as _;
        Some(uzers::get_user_by_uid(uid)?.name().as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A password and group database in memory: `(name, uid, primary gid)` and
    /// `(gid, name, listed members)`.
    struct Fake {
        users: Vec<(&'static str, u32, u32)>,
        groups: Vec<(u32, &'static str, Vec<&'static str>)>,
    }

    impl Accounts for Fake {
        fn group(&self, gid: u32) -> Option<Group> {
            self.groups
                .iter()
                .find(|g| g.0 == gid)
                .map(|(_, name, mem)| Group {
                    name: name.as_bytes().to_vec(),
                    members: mem.iter().map(|m| m.as_bytes().to_vec()).collect(),
                })
        }
        fn primary_members(&self, gid: u32) -> Vec<u32> {
            self.users
                .iter()
                .filter(|u| u.2 == gid)
                .map(|u| u.1)
                .collect()
        }
        fn user_name(&self, uid: u32) -> Option<Vec<u8>> {
            self.users
                .iter()
                .find(|u| u.1 == uid)
                .map(|u| u.0.as_bytes().to_vec())
        }
    }

    /// root (0, group 0); alice (1000) and bob (1001) with per-user groups 1000 and 1001; a
    /// shared group `dev` (2000) listing both; `solo` (2001) listing alice alone; `empty` (2002)
    /// with no member; carol (1002), whose primary group `carol` (2004) also lists alice.
    fn db() -> Fake {
        Fake {
            users: vec![
                ("root", 0, 0),
                ("alice", 1000, 1000),
                ("bob", 1001, 1001),
                ("carol", 1002, 2004),
            ],
            groups: vec![
                (0, "root", vec![]),
                (1000, "alice", vec![]),
                (1001, "bob", vec![]),
                (2000, "dev", vec!["alice", "bob"]),
                (2001, "solo", vec!["alice"]),
                (2002, "empty", vec![]),
                (2004, "carol", vec!["alice"]),
            ],
        }
    }

    #[test]
    fn a_per_user_group_is_accepted_and_a_shared_one_refused() {
        let db = db();
        let ok = |gid, owner, me| sole_member_group(gid, owner, me, &db);
        // alice's own file in her per-user group (umask 002): the case the patch is for.
        assert!(ok(1000, 1000, 1000));
        // A group whose one listed member is the owner, and no one's primary group.
        assert!(ok(2001, 1000, 1000));
        // root's file in root's group, read by root.
        assert!(ok(0, 0, 0));
        // Listed members other than the owner, or more than one.
        assert!(!ok(2000, 1000, 1000));
        // A group with no member at all.
        assert!(!ok(2002, 1000, 1000));
        // No such group.
        assert!(!ok(4242, 1000, 1000));
        // Another account's primary group (carol's, though it lists only alice).
        assert!(!ok(2004, 1000, 1000));
        // bob's per-user group on alice's file read by alice: bob's primary group.
        assert!(!ok(1001, 1000, 1000));
        // The owner without a password entry.
        assert!(!ok(2001, 4242, 1000));
    }

    /// The patch compares primary-group members with the reader (getuid) but the listed member
    /// with the file's owner (each checked with Debian's ssh -G, user h30u in place of alice): a
    /// root-owned file in alice's per-user group is accepted when alice reads it and refused when
    /// root does; a root-owned file in a group listing only alice is refused to alice.
    #[test]
    fn primary_members_are_compared_with_the_reader_and_listed_ones_with_the_owner() {
        let db = db();
        assert!(sole_member_group(1000, 0, 1000, &db));
        assert!(!sole_member_group(1000, 0, 0, &db));
        assert!(!sole_member_group(2001, 0, 1000, &db));
    }

    #[cfg(unix)]
    #[test]
    fn the_system_databases_answer() {
        // SAFETY: getuid/getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let sys = SystemAccounts;
        if sys.user_name(uid).is_none() {
            eprintln!("skipped: uid {uid} has no password entry");
            return;
        }
        assert!(sys.group(gid).is_some());
        assert!(sys.primary_members(gid).contains(&uid));
        assert_eq!(sys.user_name(0).as_deref(), Some(&b"root"[..]));
    }
}
