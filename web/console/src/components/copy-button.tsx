import { useEffect, useState } from 'react';
import { useT } from '../i18n/i18n.tsx';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (an embedded or older browser): the text stays on screen to copy by hand.
    return false;
  }
}

/** Copies `text` and says so, in words a screen reader announces. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const t = useT();
  const [outcome, setOutcome] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (outcome === null) return;
    const timer = window.setTimeout(() => setOutcome(null), 5000);
    return () => window.clearTimeout(timer);
  }, [outcome]);
  return (
    <span className="copy">
      <button
        type="button"
        className="secondary"
        onClick={() => void copyText(text).then((ok) => setOutcome(ok ? 'copied' : 'failed'))}
      >
        {label}
      </button>
      <span className="copy-status" role="status">
        {outcome === 'copied' ? t('copy.done') : outcome === 'failed' ? t('copy.failed') : ''}
      </span>
    </span>
  );
}
