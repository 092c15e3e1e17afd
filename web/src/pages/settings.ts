// Settings: users, API tokens and the audit log with its chain check.
// Admins only (the server refuses others; the console hides the page).
import * as api from '../api';
import { h, mount } from '../dom';
import { formatNumber, formatTime } from '../format';
import { t, tOr } from '../i18n';
import { errorState, fill, panel, table, toast } from '../ui';

const ROLES = ['admin', 'analyst', 'viewer', 'regulator'];

/** The settings page (`#/settings`). */
export function renderSettings(root: HTMLElement): void {
  const usersEl = h('div');
  const tokensEl = h('div');
  const auditEl = h('div');
  const verifyEl = h('div');
  const tokenShown = h('div');
  const failed = (e: unknown) => toast(errorState(e).textContent ?? String(e), 'error');

  const loadUsers = async () =>
    table(await api.users(), [
      { head: t('settings.username'), cell: (u) => u.username },
      { head: t('settings.role'), cell: (u) => tOr(`role.${u.role}`, u.role) },
      { head: t('settings.tenant'), cell: (u) => u.tenant ?? '' },
      { head: t('settings.state'), cell: (u) => (u.disabled ? t('settings.disabled') : t('settings.enabled')) },
      {
        head: '',
        cell: (u) =>
          u.id === undefined
            ? ''
            : h(
                'button',
                {
                  type: 'button',
                  on: {
                    click: async () => {
                      try {
                        await api.setUserDisabled(u.id ?? 0, !u.disabled);
                        void fill(usersEl, loadUsers);
                      } catch (e) {
                        failed(e);
                      }
                    },
                  },
                },
                u.disabled ? t('settings.enable') : t('settings.disable'),
              ),
      },
    ]);
  const loadTokens = async () =>
    table(await api.tokens(), [
      { head: t('settings.tokenName'), cell: (k) => k.name },
      { head: t('settings.created'), cell: (k) => formatTime(k.created) },
      { head: t('settings.lastUsed'), cell: (k) => formatTime(k.last_used) },
      {
        head: '',
        cell: (k) =>
          h(
            'button',
            {
              type: 'button',
              on: {
                click: async () => {
                  try {
                    await api.revokeToken(k.id);
                    void fill(tokensEl, loadTokens);
                  } catch (e) {
                    failed(e);
                  }
                },
              },
            },
            t('action.revoke'),
          ),
      },
    ]);
  const loadAudit = async () =>
    table((await api.audit({ limit: 100 })).items, [
      { head: t('settings.time'), cell: (a) => formatTime(a.ts) },
      { head: t('settings.actor'), cell: (a) => a.actor },
      { head: t('settings.action'), cell: (a) => a.action },
      { head: t('settings.target'), cell: (a) => a.target ?? '' },
      { head: t('settings.detail'), cell: (a) => h('span', { class: 'detail' }, a.detail ?? '') },
    ]);

  const uname = h('input', { name: 'username', required: true, maxlength: 64, pattern: '[A-Za-z0-9._-]+', placeholder: t('settings.username') });
  const role = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r }, tOr(`role.${r}`, r))));
  const tenant = h('input', { name: 'tenant', maxlength: 64, placeholder: t('settings.tenant') });
  const pw = h('input', { name: 'password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password', placeholder: t('settings.password') });
  const tname = h('input', { name: 'token', required: true, maxlength: 64, placeholder: t('settings.tokenName') });

  const guarded = (fn: () => Promise<void>) => async (e: Event) => {
    e.preventDefault();
    try {
      await fn();
    } catch (err) {
      failed(err);
    }
  };

  mount(
    root,
    panel(
      t('settings.users'),
      usersEl,
      h(
        'form',
        {
          class: 'filters',
          on: {
            submit: guarded(async () => {
              await api.createUser({ username: uname.value.trim(), role: role.value, password: pw.value, tenant: tenant.value.trim() });
              pw.value = '';
              uname.value = '';
              void fill(usersEl, loadUsers);
            }),
          },
        },
        uname,
        role,
        tenant,
        pw,
        h('button', { type: 'submit' }, t('action.create')),
      ),
    ),
    panel(
      t('settings.tokens'),
      tokensEl,
      tokenShown,
      h(
        'form',
        {
          class: 'filters',
          on: {
            submit: guarded(async () => {
              const tok = await api.createToken(tname.value.trim());
              mount(tokenShown, tok.token ? h('p', { class: 'secret' }, t('settings.tokenCreated'), ' ', h('code', null, tok.token)) : null);
              tname.value = '';
              void fill(tokensEl, loadTokens);
            }),
          },
        },
        tname,
        h('button', { type: 'submit' }, t('action.create')),
      ),
    ),
    panel(
      t('settings.audit'),
      h(
        'div',
        { class: 'filters' },
        h(
          'button',
          {
            type: 'button',
            'data-action': 'verify',
            on: {
              click: () =>
                void fill(verifyEl, async () => {
                  const v = await api.verifyAudit();
                  return v.broken
                    ? h('p', { class: 'state error', 'data-chain': 'broken' }, t('settings.chainBroken', { n: formatNumber(v.entries) }), h('pre', null, JSON.stringify(v.broken, null, 2)))
                    : h('p', { class: 'chain-ok', 'data-chain': 'ok' }, t('settings.chainOk', { n: formatNumber(v.entries), hash: v.last_hash }));
                }),
            },
          },
          t('settings.verify'),
        ),
        verifyEl,
      ),
      auditEl,
    ),
  );
  void fill(usersEl, loadUsers);
  void fill(tokensEl, loadTokens);
  void fill(auditEl, loadAudit);
}
