import { expect } from 'chai';
import { displayedContentIds } from './displayed-content-ids.js';

describe('displayedContentIds', () => {
  it('finds the Content-IDs images show, in every quoting and in style', () => {
    const html = [
      '<body background="cid:Paper@X">',
      '<img src="cid:image001.png@01DB0A1B.2C3D4E50">',
      "<img alt='x' SRC = 'cid:Two@x'>",
      '<img src=cid:three@x width=10>',
      '<td style="background-image: url(&quot;cid:nope&quot;)">',
      '<div style="background: url(\'cid:four@x\')"></div>',
      '<v:imagedata src="cid:five@x"/>',
      '<img src="cid:%3Csix%40x%3E">',
    ].join('\n');
    expect([...displayedContentIds(html)].sort()).to.deep.equal(['<six@x>', 'five@x', 'four@x', 'image001.png@01db0a1b.2c3d4e50', 'paper@x', 'three@x', 'two@x'].sort());
  });

  it('does not count a link to a part, or a Content-ID that only starts like a shown one', () => {
    const html = '<a href="cid:contract@x">the contract</a> <img src="cid:img10">';
    const ids = displayedContentIds(html);
    expect(ids.has('contract@x')).to.equal(false);
    expect(ids.has('img1')).to.equal(false);
    expect(ids.has('img10')).to.equal(true);
  });

  it('finds nothing in a message without HTML', () => {
    expect(displayedContentIds(undefined).size).to.equal(0);
    expect(displayedContentIds('plain <b>text</b> about cid:x').size).to.equal(0);
  });
});
