import { useEffect, useId, useRef, useState } from 'react';
import { useT } from '../i18n/i18n.tsx';

/**
 * A button for an action that is hard to undo: the first press asks, in words, with the choice to go ahead or not.
 * No browser dialog, so the question is styled, translated and read in order by screen readers.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  danger = false,
  disabled = false,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  danger?: boolean;
  disabled?: boolean;
}) {
  const t = useT();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const questionId = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);

  if (!asking)
    return (
      <button
        type="button"
        className={danger ? 'secondary danger' : 'secondary'}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  return (
    <div className="confirm" role="group" aria-labelledby={questionId}>
      <p id={questionId}>{question}</p>
      <div className="button-row">
        <button
          ref={confirmRef}
          type="button"
          className={danger ? 'danger' : undefined}
          disabled={busy}
          aria-busy={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await onConfirm();
            } finally {
              setBusy(false);
              setAsking(false);
            }
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => setAsking(false)}>
          {t('confirm.cancel')}
        </button>
      </div>
    </div>
  );
}
