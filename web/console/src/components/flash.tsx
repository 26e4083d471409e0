import { useEffect, useState } from 'react';

// A success message carried across one in-app navigation ("Organisation created" on the page the form leads to);
// kept out of the URL so a reload or a shared link does not repeat it.
let pending: string | null = null;

export function flash(message: string): void {
  pending = message;
}

/** Shows the message left by the previous page, once. */
export function Flash() {
  const [message] = useState(() => pending);
  useEffect(() => {
    pending = null;
  }, []);
  if (!message) return null;
  return (
    <div className="notice notice-success" role="status" data-testid="flash">
      {message}
    </div>
  );
}
