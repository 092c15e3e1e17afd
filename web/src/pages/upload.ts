// A file-upload form (asset registry, intel feed): pick a file and a
// format, send it, say what the server did with it.
import { h, type Child } from '../dom';
import { t } from '../i18n';
import { errorState, toast } from '../ui';

/** Largest file offered for upload: the server's own limit (64 MiB). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** The form; `send` uploads and returns the line to show. */
export function uploadForm(
  formats: string[],
  extra: Child,
  send: (file: File, format: string) => Promise<string>,
  done: () => void,
): HTMLElement {
  const file = h('input', { type: 'file', name: 'file', required: true, accept: formats.map((f) => `.${f}`).join(',') });
  const format = h('select', { name: 'format' }, formats.map((f) => h('option', { value: f }, f.toUpperCase())));
  // Follow the chosen file's extension, so the usual case needs no choice.
  file.addEventListener('change', () => {
    const ext = file.files?.[0]?.name.split('.').pop()?.toLowerCase();
    if (ext && formats.includes(ext)) format.value = ext;
  });
  return h(
    'form',
    {
      class: 'filters upload',
      'data-write': true,
      on: {
        submit: async (e) => {
          e.preventDefault();
          const f = file.files?.[0];
          if (!f) return;
          if (f.size > MAX_UPLOAD_BYTES) {
            toast(t('upload.tooLarge'), 'error');
            return;
          }
          try {
            toast(await send(f, format.value));
            done();
          } catch (err) {
            toast(errorState(err).textContent ?? String(err), 'error');
          }
        },
      },
    },
    h('span', null, t('upload.title')),
    extra,
    file,
    format,
    h('button', { type: 'submit', 'data-action': 'upload' }, t('upload.send')),
  );
}
