//! The registry as a caller sees it: taishi-assess's [`TenantView`] (the
//! rule every tenant-scoped read applies, reports included) over the
//! server's cached registry.

use taishi_assess::assets::TenantView;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

/// The registry as `caller` sees it.
pub fn view(state: &AppState, caller: &Caller) -> ApiResult<TenantView> {
    Ok(TenantView::new(state.registry()?, caller.tenant_scope()))
}
