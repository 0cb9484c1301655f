// Saves text as a file: a Blob and a temporary <a download> (no inline script, which the CSP forbids).
export function downloadText(fileName: string, text: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mime};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.className = 'visually-hidden';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The download has taken the data by the next task.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
