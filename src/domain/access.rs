//! Who may do what: the one table of authorisation rules.
//!
//! Every route asks [`permits`] for one [`Permission`]; nothing else in the
//! code decides by role. Customers are further confined to their own orders
//! by [`Visibility`]: anything outside it answers exactly as if it did not
//! exist (404), so a customer cannot even learn that another's order exists.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages users, customers and products; may do everything staff do.
    Admin,
    /// Production lead: orders and batches, sampling plans, dispositions.
    Lead,
    /// Shop-floor inspector: records readings and inspections.
    Inspector,
    /// A brand customer's user: reads its own orders and their results.
    Customer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Lead, Role::Inspector, Role::Customer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Lead => "lead",
            Role::Inspector => "inspector",
            Role::Customer => "customer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Declares, from one list, the [`Permission`] enum, [`Permission::ALL`],
/// the rule table [`RULES`] and a marker type per permission in [`perm`]:
/// a permission is added or given to a role in one place only.
macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident => [$($role:ident),+],)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Permission {
            $($(#[$doc])* $name,)+
        }

        impl Permission {
            pub const ALL: [Permission; [$(stringify!($name)),+].len()] =
                [$(Permission::$name),+];
        }

        /// The rules: which roles hold each permission.
        pub const RULES: &[(Permission, &[Role])] = &[$((Permission::$name, &[$(Role::$role),+]),)+];

        /// Marker types of the permissions, so that a handler states what
        /// it needs in its signature (`Allowed<perm::ReadResults>`).
        pub mod perm {
            use super::{Permission, RequiredPermission};
            $(
                $(#[$doc])*
                pub struct $name;
                impl RequiredPermission for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )+
        }
    };
}

/// A permission named as a type: see [`perm`].
pub trait RequiredPermission {
    const PERMISSION: Permission;
}

permissions! {
    /// Create, list and disable user accounts.
    ManageUsers => [Admin],
    /// Create customers and products with their inspection templates.
    ManageCatalog => [Admin],
    /// Create orders and their batches.
    ManageOrders => [Admin, Lead],
    /// Draw sampling plans.
    PlanSampling => [Admin, Lead],
    /// Record readings and inspections.
    RecordResults => [Admin, Inspector],
    /// Read orders, batches, plans, readings and statistics: staff see all
    /// of them, customers only their own ([`Visibility`]).
    ReadResults => [Admin, Lead, Inspector, Customer],
    /// Read the factory's process records across customers (switching
    /// history of shared designs): staff only.
    ReadProcess => [Admin, Lead, Inspector],
    /// Read the audit log: who changed what, across all customers.
    ReadAudit => [Admin, Lead],
    /// Decide a batch's disposition with an electronic signature.
    SignDispositions => [Admin, Lead],
    /// Issue an order's QC report to its customer.
    IssueReports => [Admin, Lead],
    /// Receive material lots with their documents, record their incoming
    /// inspection, the lots used in batches and the units' serials.
    ReceiveMaterial => [Admin, Lead, Inspector],
    /// Follow material lots to batches and orders and back: the factory's
    /// own records across customers.
    Trace => [Admin, Lead, Inspector],
    /// Open a non-conformance report and read it: a customer for its own
    /// orders (a claim, a receipt check), staff for any.
    OpenNcrs => [Admin, Lead, Inspector, Customer],
    /// Investigate a non-conformance report, plan and complete its
    /// actions, close it with a signature.
    ManageNcrs => [Admin, Lead],
}

pub fn permits(role: Role, permission: Permission) -> bool {
    RULES
        .iter()
        .any(|(p, roles)| *p == permission && roles.contains(&role))
}

/// What part of the data a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Factory staff: every customer's orders.
    Everything,
    /// A customer's user: only this customer's orders and their products.
    Customer(i64),
}

impl Visibility {
    /// Whether a record belonging to `customer_id` is visible.
    pub fn shows_customer(self, customer_id: i64) -> bool {
        match self {
            Visibility::Everything => true,
            Visibility::Customer(own) => own == customer_id,
        }
    }

    /// Whether a product is visible: its own designs and shared ones.
    pub fn shows_product(self, owner: Option<i64>) -> bool {
        owner.is_none_or(|owner| self.shows_customer(owner))
    }

    /// The customer a list must be narrowed to, if any.
    pub fn only_customer(self) -> Option<i64> {
        match self {
            Visibility::Everything => None,
            Visibility::Customer(own) => Some(own),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;
    use Role::*;

    #[test]
    fn every_permission_has_a_rule() {
        for permission in Permission::ALL {
            assert_eq!(
                RULES.iter().filter(|(p, _)| *p == permission).count(),
                1,
                "{permission:?}"
            );
        }
    }

    /// Customers read, and open claims on their own orders; nothing else.
    #[test]
    fn customers_only_read_and_claim() {
        for (permission, _) in RULES {
            assert_eq!(
                permits(Customer, *permission),
                matches!(permission, ReadResults | OpenNcrs),
                "{permission:?}"
            );
        }
        assert!(permits(Inspector, RecordResults) && !permits(Inspector, PlanSampling));
        assert!(
            permits(Lead, PlanSampling)
                && !permits(Lead, RecordResults)
                && !permits(Lead, ManageUsers)
        );
    }

    #[test]
    fn customer_visibility() {
        let own = Visibility::Customer(3);
        assert!(own.shows_customer(3) && !own.shows_customer(4));
        assert!(
            own.shows_product(None) && own.shows_product(Some(3)) && !own.shows_product(Some(4))
        );
        assert!(Visibility::Everything.shows_product(Some(4)));
        assert_eq!(own.only_customer(), Some(3));
    }
}
